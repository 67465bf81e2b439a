package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// axe is injected through the DevTools protocol; this proves it runs, and finds a known
// fault, under a policy that forbids every script, like the one our pages send.
func TestAxeRunsUnderStrictCSP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><title>t</title><main><h1>Hi</h1>` +
			`<input type="text" id="nameless"></main></html>`))
	}))
	defer srv.Close()

	b := browsertest.Start(t)
	p := b.NewPage(t, "")
	if status := p.Open(srv.URL); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var found bool
	for _, v := range p.Axe() {
		if v.ID == "label" && v.Impact == "critical" && len(v.Nodes) == 1 && v.Nodes[0].Target[0] == "#nameless" {
			found = true
		}
	}
	if !found {
		t.Fatalf("axe missed an input without a label: %v", p.Axe())
	}
}
