// Package browsertest drives a real headless Chromium in tests: it starts the browser with
// the flags this machine and CI need, screenshots pages at phone and desktop width, and
// fails a test on serious accessibility problems found by axe-core.
//
// Chromium comes from $REDRESS_CHROMIUM, /usr/bin/chromium or PATH; axe-core from
// $REDRESS_AXE_JS or .ci/node_modules/axe-core/axe.min.js. When either is missing the test
// skips, unless REDRESS_REQUIRE_BROWSER=1 (set by .ci/run), when it fails.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Widths of the two screenshots of every page: a small phone and a laptop.
const (
	PhoneWidth   = 360
	DesktopWidth = 1280
)

// StepTimeout bounds every browser step (a navigation, a click, an axe run), so a hung
// browser fails the test in seconds rather than at go test's ten-minute limit.
var StepTimeout = 30 * time.Second

// Environment variables the package reads.
const (
	EnvChromium       = "REDRESS_CHROMIUM"
	EnvAxe            = "REDRESS_AXE_JS"
	EnvArtifacts      = "REDRESS_ARTIFACTS_DIR"
	EnvRequireBrowser = "REDRESS_REQUIRE_BROWSER"
)

const installHint = "install with: apt-get install -y chromium && npm install --no-save --prefix .ci axe-core@4 " +
	"(or run .ci/run), or point " + EnvChromium + " and " + EnvAxe + " at them"

// Browser is one headless Chromium shared by a test and its subtests.
type Browser struct {
	ctx context.Context // holds the running browser; has no deadline, see Page.step
	axe string          // axe-core's source, injected into each page checked

	// Dir is where screenshots are written.
	Dir string
}

// Start finds Chromium and axe-core and starts the browser; it is closed when t ends.
// Without them t is skipped, or fails when REDRESS_REQUIRE_BROWSER=1.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin, err := FindChromium()
	if err != nil {
		missing(t, err)
	}
	axePath, err := FindAxe()
	if err != nil {
		missing(t, err)
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		missing(t, err)
	}
	dir, err := ArtifactsDir()
	if err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	t.Logf("screenshots: %s", dir)

	profile, err := os.MkdirTemp("", "redress-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	output := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		// This closed network refuses Chromium's background connections many at a time;
		// without these flags the browser stalls on them.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A fixed locale, so typing into a date field means month, day, year everywhere.
		chromedp.Env("LANG=en_US.UTF-8", "LANGUAGE=en_US"),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser process to end
		os.RemoveAll(profile)
	})
	// The first run starts the browser and ties its life to the context it gets, so it
	// gets one without a deadline, cancelled by a timer if the start hangs.
	timer := time.AfterFunc(StepTimeout, cancelBrowser)
	err = chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		t.Fatalf("start %s: %v\n%s", bin, err, tail(output.String(), 2000))
	}
	return &Browser{ctx: ctx, axe: string(axe), Dir: dir}
}

// missing skips t, or fails it when the environment requires the browser tests.
func missing(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("browser test: %v; %s", err, installHint)
	if os.Getenv(EnvRequireBrowser) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FindChromium returns the Chromium binary to run.
func FindChromium() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("Chromium not found (" + EnvChromium + ", /usr/bin/chromium, PATH)")
}

// FindAxe returns the path of axe.min.js.
func FindAxe() (string, error) {
	if p := os.Getenv(EnvAxe); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvAxe, p, err)
		}
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".ci", "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("axe-core not found (%s, %s)", EnvAxe, p)
	}
	return p, nil
}

// ArtifactsDir returns, creating it, the directory screenshots are written to: where CI
// collects its output.
func ArtifactsDir() (string, error) {
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "test-artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Abs(dir)
}

// RepoRoot walks up from the working directory (a test's package directory) to go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
