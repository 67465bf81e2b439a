package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Page is one tab with cookies of its own, shown at phone width. It belongs to the test
// that opened it: every method fails that test when the browser does.
type Page struct {
	t   testing.TB
	b   *Browser
	ctx context.Context
}

// NewPage opens a tab in a fresh browser context (no cookies), at phone width.
// acceptLanguage, when not empty, lists the languages the browser asks for, most wanted
// first and without q-values, which Chromium adds: "es-US,es,en".
func (b *Browser) NewPage(t testing.TB, acceptLanguage string) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &Page{t: t, b: b, ctx: ctx}
	// As for the browser, the tab's first run must not carry a deadline.
	timer := time.AfterFunc(StepTimeout, cancel)
	err := chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		t.Fatalf("open tab: %v", err)
	}
	if acceptLanguage != "" {
		p.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = cdp.Call(ctx, tg, emulation.SetUserAgentOverride,
				emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent, AcceptLanguage: acceptLanguage})
			return err
		}))
	}
	p.Do(viewport(PhoneWidth))
	return p
}

// step runs f with a context bounded by StepTimeout.
func (p *Page) step(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	return f(ctx)
}

// Do runs actions in order.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := p.step(func(ctx context.Context) error { return chromedp.Do(ctx, actions...) }); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// Run runs one action on p and returns its value: the way to any chromedp action the
// methods do not cover.
func Run[T any](p *Page, a chromedp.Action[T]) T {
	p.t.Helper()
	var v T
	err := p.step(func(ctx context.Context) (err error) {
		v, err = chromedp.Run(ctx, a)
		return err
	})
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	return v
}

// Open loads url and returns the HTTP status of the page.
func (p *Page) Open(url string) int64 {
	p.t.Helper()
	return p.Follow(chromedp.Navigate(url))
}

// Follow runs actions that lead to a new page, such as clicking a link or a submit
// button, waits for that page to load and returns its HTTP status.
func (p *Page) Follow(actions ...chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	var status int64
	err := p.step(func(ctx context.Context) error {
		resp, err := chromedp.RunResponse(ctx, actions...)
		if resp != nil {
			status = resp.Status
		}
		return err
	})
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	return status
}

// ClickAndWait clicks the element css selects, a link or a submit button, waits for the
// page it leads to and returns its HTTP status.
func (p *Page) ClickAndWait(css string) int64 {
	p.t.Helper()
	return p.Follow(chromedp.Click(chromedp.CSS(css)))
}

// Click clicks the element css selects, as a person would with a mouse.
func (p *Page) Click(css string) {
	p.t.Helper()
	p.Do(chromedp.Click(chromedp.CSS(css)))
}

// Tick clicks the label of the radio button or checkbox with id, as a person does, and
// checks that it is now ticked.
func (p *Page) Tick(id string) {
	p.t.Helper()
	p.Click(`label[for="` + id + `"]`)
	if !Run(p, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).checked`, id))) {
		p.t.Fatalf("%s is not ticked after clicking its label", id)
	}
}

// Type clears the field with id and types text into it, key by key.
func (p *Page) Type(id, text string) {
	p.t.Helper()
	if p.Value(id) != "" { // Clear fails on an empty textarea
		p.Do(chromedp.Clear(chromedp.ID(id)))
	}
	p.Do(chromedp.SendKeys(chromedp.ID(id), text))
}

// TypeDate types an ISO date (2025-07-20) into a date field, in the month, day, year
// order of the browser's fixed en-US locale, and checks the field took it.
func (p *Page) TypeDate(id, iso string) {
	p.t.Helper()
	ymd := strings.Split(iso, "-")
	if len(ymd) != 3 || len(ymd[0]) != 4 || len(ymd[1]) != 2 || len(ymd[2]) != 2 {
		p.t.Fatalf("TypeDate %s: want YYYY-MM-DD", iso)
	}
	p.Do(chromedp.SendKeys(chromedp.ID(id), ymd[1]+ymd[2]+ymd[0]))
	if got := p.Value(id); got != iso {
		p.t.Fatalf("date field %s holds %q after typing %s", id, got, iso)
	}
}

// Choose picks, in the select with id, the option whose text starts with text, by
// focusing the select and typing, as a person does with a keyboard.
func (p *Page) Choose(id, text string) {
	p.t.Helper()
	p.Do(chromedp.SendKeys(chromedp.ID(id), text))
	got := Run(p, chromedp.Evaluate[string](fmt.Sprintf(
		`(s => s.selectedIndex < 0 ? "" : s.options[s.selectedIndex].text)(document.getElementById(%q))`, id)))
	if !strings.HasPrefix(got, text) {
		p.t.Fatalf("select %s shows %q after typing %q", id, got, text)
	}
}

// Value returns the value of the field with id.
func (p *Page) Value(id string) string {
	p.t.Helper()
	return Run(p, chromedp.Value(chromedp.ID(id)))
}

// Text returns the visible text of the element css selects.
func (p *Page) Text(css string) string {
	p.t.Helper()
	return strings.TrimSpace(Run(p, chromedp.Text(chromedp.CSS(css))))
}

// Location returns the address of the page shown.
func (p *Page) Location() string {
	p.t.Helper()
	return Run(p, chromedp.Evaluate[string](`location.href`))
}

// Lang returns the page's <html lang>.
func (p *Page) Lang() string {
	p.t.Helper()
	return Run(p, chromedp.Evaluate[string](`document.documentElement.lang`))
}

// Screenshot writes the whole page at phone and at desktop width, as name-phone.png and
// name-desktop.png. At phone width the page must not be wider than the screen.
func (p *Page) Screenshot(name string) {
	p.t.Helper()
	for _, s := range []struct {
		suffix string
		width  int64
	}{{"phone", PhoneWidth}, {"desktop", DesktopWidth}} {
		var png []byte
		var overflow int64
		err := p.step(func(ctx context.Context) (err error) {
			if err := chromedp.Do(ctx, viewport(s.width)); err != nil {
				return err
			}
			overflow, err = chromedp.Run(ctx, chromedp.Evaluate[int64](
				`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
			if err != nil {
				return err
			}
			png, err = chromedp.Run(ctx, fullPage(s.width))
			return err
		})
		if err != nil {
			p.t.Fatalf("screenshot %s: %v", name, err)
		}
		if s.width == PhoneWidth && overflow > 0 {
			p.t.Errorf("%s: the page is %dpx wider than a %dpx phone screen", name, overflow, PhoneWidth)
		}
		if err := os.WriteFile(filepath.Join(p.b.Dir, name+"-"+s.suffix+".png"), png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
	p.Do(viewport(PhoneWidth))
}

// viewport emulates a screen width wide; below 600px it is a phone (mobile viewport,
// so <meta name=viewport> applies).
func viewport(width int64) chromedp.Action[chromedp.Void] {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	return chromedp.Steps(
		chromedp.EmulateViewport(width, 800, opts...),
		// Let layout settle at the new width before anything measures it.
		chromedp.Evaluate[chromedp.Void](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`,
			chromedp.EvalAwaitPromise),
	)
}

// fullPage captures the whole page, not just the screen, as a PNG.
func fullPage(width int64) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		height := 800.0
		if m.CSSContentSize != nil {
			height = m.CSSContentSize.Height
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: float64(width), Height: height, Scale: 1},
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

// lockedBuffer keeps the browser's output, written by chromedp while a failing test
// may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// ScreenshotScreen writes what a screen width×height shows of the page, from its top,
// as name.png: what a person sees on opening it (the README's pictures).
func (p *Page) ScreenshotScreen(name string, width, height int64) {
	p.t.Helper()
	var png []byte
	err := p.step(func(ctx context.Context) (err error) {
		if err := chromedp.Do(ctx, chromedp.Steps(chromedp.EmulateViewport(width, height, chromedp.EmulatePortrait),
			chromedp.Evaluate[chromedp.Void](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`, chromedp.EvalAwaitPromise))); err != nil {
			return err
		}
		png, err = chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
			r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
			if err != nil {
				return nil, err
			}
			return r.Data, nil
		})
		return err
	})
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.b.Dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.Do(viewport(PhoneWidth))
}
