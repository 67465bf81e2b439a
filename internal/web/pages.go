package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/templates"
)

// parsePages parses every view's page at start-up; a missing or broken one stops the
// start.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, v := range views {
		name := v.template()
		t, err := template.New(name).ParseFS(templates.FS, "layout.html", "partials.html", "casefile_partials.html", "oversight_partials.html",
			"complaint_fields.html", "oversight_report_partials.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// langLink is one entry of the language switch.
type langLink struct{ Lang, Name, Href string }

// page is what every page shares, each view (views.go) embedding it: the language and
// its switch, the operator, the signed-in staff member and their menu, a note of what
// was done or what went wrong, and the layout's choices.
type page struct {
	Lang   string
	Switch []langLink
	// SwitchKeep, on a status result, makes the switch a form that proves the receipt
	// again in the chosen language, so switching keeps the result (page_status.go).
	SwitchKeep *statusProof
	Operator   string
	Staff      *staffView
	cat        *i18n.Catalog
	// loc is the office's time zone: staff dates and times are shown in it, as the
	// deadlines count days in it.
	loc *time.Location

	// Flash says what was just done; Problem what was refused, in the page's language.
	Flash   string
	Problem string
	// Refresh, when set, reloads the page after that many seconds (no script needed).
	Refresh int
	// Wide gives the page the full width, for tables.
	Wide bool
}

// translator words messages in a page's language: a page, or any view.
type translator interface {
	T(id string, kv ...any) string
}

// staffView is the signed-in staff member and the menu their roles allow.
type staffView struct {
	User  redress.User
	Links []langLink
}

// DT writes a moment as its calendar day in the page's zone (the office's, or on a case
// page the case's unit's), in the page's language.
func (p *page) DT(t time.Time) string { return p.DTIn(t, p.zone()) }

// DTIn writes a moment as its calendar day in loc: a queue row's, in its unit's zone.
func (p *page) DTIn(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = p.zone()
	}
	return p.D(redress.DateOf(t.In(loc)))
}

// ShortIn writes a moment as its calendar day in loc, the month abbreviated: a date in
// a column of the queue.
func (p *page) ShortIn(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = p.zone()
	}
	d := redress.DateOf(t.In(loc))
	return p.cat.ShortDate(p.Lang, d.Year, d.Month, d.Day)
}

// ClockIn writes an instant's time of day in loc, the zone named ("11:59 PM PST").
func (p *page) ClockIn(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = p.zone()
	}
	if p.Lang != "en" {
		return t.In(loc).Format("15:04 MST")
	}
	return t.In(loc).Format("3:04 PM MST")
}

// Time words an instant as its date and time of day in the page's zone, the zone
// named ("Dec 3, 2026, 9:05 AM EST"): the case history says when, not only which day.
func (p *page) Time(t time.Time) string { return p.TimeIn(t, p.zone()) }

// TimeIn is Time in loc.
func (p *page) TimeIn(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = p.zone()
	}
	t = t.In(loc)
	clock := t.Format("3:04 PM MST")
	if p.Lang != "en" {
		clock = t.Format("15:04 MST")
	}
	return p.DTIn(t, loc) + ", " + clock
}

// ZoneName is the page's zone by its name ("America/Los_Angeles"), for a caption.
func (p *page) ZoneName() string { return p.zone().String() }

// zone is the office's zone (UTC for a page built without a server).
func (p *page) zone() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// officeZone is the zone the office's deadlines count days in.
func (s *Server) officeZone() *time.Location {
	if s.Casework == nil {
		return time.UTC
	}
	return s.Casework.Deadlines.Loc()
}

// T translates id; kv are template arguments as name/value pairs.
func (p *page) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return p.cat.T(p.Lang, id, data)
}

// D writes a calendar day in the page's language.
func (p *page) D(d redress.Date) string { return p.cat.Date(p.Lang, d.Year, d.Month, d.Day) }

const langCookie = "lang"

// pageLang chooses a page's language: the switch (?lang=), then the cookie the switch
// set, then the browser's Accept-Language. Choosing with the switch sets the cookie.
func (s *Server) pageLang(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" && s.Catalog.Supported(q) {
		rememberLang(w, r, q)
		return q
	}
	if l, ok := s.cookieLang(r); ok {
		return l
	}
	return s.Catalog.Match(r.Header.Get("Accept-Language"))
}

// rememberLang sets the cookie of a language chosen with the switch.
func rememberLang(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// cookieLang is the language an earlier switch chose, if any.
func (s *Server) cookieLang(r *http.Request) (string, bool) {
	if c, err := r.Cookie(langCookie); err == nil && s.Catalog.Supported(c.Value) {
		return c.Value, true
	}
	return "", false
}

func (s *Server) newPage(r *http.Request, lang string) *page {
	p := &page{Lang: lang, cat: s.Catalog, loc: s.officeZone()}
	if pr, ok := principal(r); ok && !pr.MFAPending {
		p.Staff = &staffView{User: pr.User}
		sub := pr.Subject()
		for _, l := range []struct{ href, key string }{
			{"/staff/complaints", "staff.link.complaints"}, {"/staff/complaints/new", "staff.link.enter"},
			{"/staff/registry", "staff.link.registry"}, {"/admin/users", "staff.link.users"},
			{"/admin/units", "staff.link.units"}, {"/admin/routing", "staff.link.routing"},
			{"/admin/offices", "staff.link.offices"}, {"/admin/settings", "staff.link.settings"},
			{"/oversight", "staff.link.dashboard"},                                                             // issue 15, oversight dashboard
			{"/oversight/warnings", "staff.link.warnings"}, {"/admin/warnings", "staff.link.warning_settings"}, // early warning
			{"/oversight/audit", "staff.link.audit"}, {"/oversight/verify", "staff.link.verify"}, {"/oversight/export", "staff.link.export"},
			{"/account", "staff.link.account"},
		} {
			// An export can hold any complaint's events: offered only to roles held in
			// every unit, as handleExportPage demands.
			if l.href == "/oversight/export" && !s.mayExport(r) {
				continue
			}
			if s.Authz.AllowedAnywhere(sub, l.href, http.MethodGet) {
				p.Staff.Links = append(p.Staff.Links, langLink{Href: l.href, Name: p.T(l.key)})
			}
		}
	}
	// With no operator configured the footer names nobody: a default line would claim
	// an office that may not exist.
	p.Operator = s.Operator
	for _, l := range s.Catalog.Languages() {
		if l != lang {
			p.Switch = append(p.Switch, langLink{Lang: l, Name: s.Catalog.T(l, "language.name", nil),
				Href: r.URL.Path + "?" + url.Values{"lang": {l}}.Encode()})
		}
	}
	return p
}

// render writes a page. It renders into a buffer first so a template failure becomes a
// clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, v view) {
	var buf bytes.Buffer
	if err := s.pages[v.template()].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Log.Error("render", "page", v.template(), "err", err, "request_id", requestID(r))
		status, buf = http.StatusInternalServerError, bytes.Buffer{}
		p := v.base()
		e := &errorPage{page: p, Message: p.T("error.internal")}
		if err := s.pages[e.template()].ExecuteTemplate(&buf, "layout", e); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Vary", "Accept-Language, Cookie")
	retryLater(h, status)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageCSP allows our own stylesheet and nothing else: no script at all, inline or not.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, &homePage{s.newPage(r, s.pageLang(w, r))})
}

// handleStatic serves the stylesheet from the binary, cacheable for a day.
func (s *Server) handleStatic() http.Handler {
	sub, _ := fs.Sub(templates.FS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// today returns the date shown as the form's latest allowed incident date.
func (s *Server) todayString() string { return s.today().String() }

// ClockState words where a clock stands (its state from deadline's one rule): a missed
// clock that was met late says so.
func (p *page) ClockState(k redress.Clock, state deadline.Status) string {
	if state == deadline.StatusMissed && !k.MetAt.IsZero() {
		return p.T("clockstate.met_late")
	}
	return p.T("clockstate." + string(state))
}

// ReferralRecipients lists the offices a case can be referred to.
func (p *page) ReferralRecipients() []string { return casework.ReferralRecipients }
