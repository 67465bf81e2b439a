package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// encoding/json reads some bodies other than as written: a key that names a field only
// when case is ignored, the last of two equal keys, an escaped lone surrogate as U+FFFD.
// The API refuses each with a 400 in the caller's language and stores nothing, and still
// takes what is well written, however it is escaped.
func TestComplaintCreateStrictJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		base, _ := json.Marshal(validComplaint(e.agency.ID))
		// with adds members at the end of the object; edit replaces text in the body.
		with := func(members string) []byte {
			return []byte(strings.TrimSuffix(string(base), "}") + "," + members + "}")
		}
		edit := func(old, new string) []byte {
			if !strings.Contains(string(base), old) {
				t.Fatalf("the valid complaint has no %s", old)
			}
			return []byte(strings.Replace(string(base), old, new, 1))
		}
		for _, tc := range []struct {
			name    string
			body    []byte
			message string
		}{
			{"KeyCase", edit(`"narrative":`, `"Narrative":`), `nombra "Narrative", pero los nombres distinguen mayúsculas de minúsculas: escríbalo "narrative"`},
			{"KeyCaseNested", edit(`"email":`, `"EMAIL":`), `escríbalo "email"`},
			{"KeyCaseLongS", with(`"\u017Ftate":"TX"`), `escríbalo "state"`}, // ſ folds to S in encoding/json
			{"KeyCaseEnglish", edit(`"language":"es"`, `"language":"en","Officers":"x"`), `names "Officers", but keys are case-sensitive: write it "officers"`},
			{"DuplicateKey", with(`"narrative":"Otra cosa distinta."`), `da "narrative" más de una vez`},
			{"DuplicateKeyNested", edit(`"email":`, `"email":"x@example.org","email":`), `da "email" más de una vez`},
			{"DuplicateKeyEscaped", with(`"n\u0061rrative":"Otra cosa."`), `da "narrative" más de una vez`},
			{"DuplicateKeyInUnknownObject", with(`"extra":{"a":1,"a":2}`), `da "a" más de una vez`},
			{"LoneHighSurrogate", with(`"witnesses":"ana \ud800 maria"`), `contiene el escape \ud800`},
			{"LoneLowSurrogate", with(`"witnesses":"\uDC00"`), `\uDC00`},
			{"HighThenNotLow", with(`"witnesses":"\ud83d\u0041"`), `\ud83d`},
			{"HighAtEnd", with(`"witnesses":"\uD83D"`), `\uD83D`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.counts()
				rec := e.do(http.MethodPost, "/api/v1/complaints", "application/json", tc.body)
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
				}
				if got := decode[errResp](t, rec).Error; !strings.Contains(got, tc.message) {
					t.Errorf("message %q does not contain %q", got, tc.message)
				}
				if after := e.counts(); after != before {
					t.Fatalf("refused input changed the database: %v -> %v", before, after)
				}
			})
		}

		// Escapes that are well formed are read as written.
		for _, tc := range []struct{ name, escaped, want string }{
			{"SurrogatePair", `\ud83d\ude00 gracias`, "😀 gracias"},
			{"EscapedBackslash", `C:\\ud800`, `C:\ud800`},
			{"ReplacementCharacter", `\ufffd y �`, "\uFFFD y \uFFFD"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec := e.do(http.MethodPost, "/api/v1/complaints", "application/json", with(`"witnesses":"`+tc.escaped+`"`))
				if rec.Code != http.StatusCreated {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				rr, err := db.ComplaintReceipt(context.Background(), decode[created](t, rec).TrackingNumber)
				if err != nil {
					t.Fatal(err)
				}
				c, _, err := db.Complaint(context.Background(), rr.ComplaintID)
				if err != nil || c.Witnesses != tc.want {
					t.Fatalf("witnesses stored as %q (%v), want %q", c.Witnesses, err, tc.want)
				}
			})
		}

		// The same rules hold on every JSON route: the status check, say.
		rec := e.do(http.MethodPost, "/api/v1/complaints/status", "application/json",
			[]byte(`{"tracking_number":"RX-7K4M-2Q9D","receipt_code":"A","receipt_code":"B"}`), "Accept-Language", "en")
		if rec.Code != http.StatusBadRequest || !strings.Contains(decode[errResp](t, rec).Error, `gives "receipt_code" more than once`) {
			t.Fatalf("status check with a duplicate key: %d %s", rec.Code, rec.Body)
		}
	})
}
