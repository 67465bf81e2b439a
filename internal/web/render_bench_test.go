package web_test

import (
	"net/http"
	"testing"

	"github.com/redress-oversight/redress/internal/store/storetest"
)

// BenchmarkRender: a public page drawn through the whole handler (middleware, language,
// template), without a network: the complaint form is the largest public page.
//
//	go test -run '^$' -bench Render ./internal/web/
func BenchmarkRender(b *testing.B) {
	e := newEnv(b, storetest.Open(b, storetest.SQLiteDSN(b)))
	for _, path := range []string{"/complaint?lang=es", "/?lang=en", "/status?lang=es"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if rec := e.do(http.MethodGet, path, "", nil); rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
