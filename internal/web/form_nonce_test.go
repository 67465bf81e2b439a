package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

var nonceRE = regexp.MustCompile(`<input type="hidden" name="nonce" value="([A-Za-z0-9_-]{22})">`)

// The form carries a one-time nonce. Sent twice (a double click, back and send again,
// a retry after a lost answer) it files one complaint: the second answer is the same
// receipt, or, when what was sent changed, says the complaint was already received,
// with its tracking number and without the receipt code. A nonce is stored only with
// a complaint it filed.
func TestComplaintFormNonce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		agency := strconv.FormatInt(e.agency.ID, 10)
		nonceOf := func(body string) string {
			t.Helper()
			m := nonceRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no nonce in the form:\n%s", body)
			}
			return m[1]
		}
		codes := func(body string) map[string]string {
			out := map[string]string{}
			for _, m := range codeRE.FindAllStringSubmatch(stripGroups(body), -1) {
				out[m[1]] = m[2]
			}
			return out
		}
		submit := func(form url.Values) *httpResult {
			rec := e.do(http.MethodPost, "/complaint", formType, []byte(form.Encode()))
			return &httpResult{rec.Code, rec.Body.String()}
		}

		first := nonceOf(e.do(http.MethodGet, "/complaint", "", nil).Body.String())
		if other := nonceOf(e.do(http.MethodGet, "/complaint", "", nil).Body.String()); other == first {
			t.Fatal("two forms got the same nonce")
		}

		// A form drawn again with errors keeps its nonce, and nothing is kept for it.
		bad := validForm(agency)
		bad["nonce"] = []string{first}
		bad["incident_date"] = []string{"2099-01-01"}
		before, keys := e.counts(), e.idempotencyRows()
		r := submit(bad)
		if r.code != http.StatusUnprocessableEntity || nonceOf(r.body) != first {
			t.Fatalf("redrawn form: %d, nonce kept: %v", r.code, strings.Contains(r.body, first))
		}
		if e.counts() != before || e.idempotencyRows() != keys {
			t.Fatal("a refused form stored something")
		}

		form := validForm(agency)
		form["nonce"] = []string{first}
		r = submit(form)
		if r.code != http.StatusCreated {
			t.Fatalf("first submit: %d %s", r.code, r.body)
		}
		filed := codes(r.body)
		if filed["tracking-number"] == "" || filed["receipt-code"] == "" || strings.Contains(r.body, `id="received-before"`) {
			t.Fatalf("first receipt: %v", filed)
		}
		before = e.counts()

		t.Run("SentAgain", func(t *testing.T) {
			r := submit(form)
			if r.code != http.StatusOK || !strings.Contains(r.body, "Ya habíamos recibido esta queja") {
				t.Fatalf("second submit: %d %s", r.code, r.body)
			}
			if again := codes(r.body); again["tracking-number"] != filed["tracking-number"] || again["receipt-code"] != filed["receipt-code"] {
				t.Fatalf("second receipt %v, first %v", again, filed)
			}
			if after := e.counts(); after != before {
				t.Fatalf("sending the form again filed again: %v -> %v", before, after)
			}
		})

		t.Run("ChangedAndSentAgain", func(t *testing.T) {
			changed := validForm(agency)
			changed["nonce"] = []string{first}
			changed["narrative"] = []string{"Otra cosa que pasó otro día, escrita después de volver atrás."}
			r := submit(changed)
			if r.code != http.StatusOK || !strings.Contains(r.body, "Ya habíamos recibido una queja desde este formulario") ||
				!strings.Contains(r.body, `href="/complaint"`) {
				t.Fatalf("changed submit: %d %s", r.code, r.body)
			}
			got := codes(r.body)
			if got["tracking-number"] != filed["tracking-number"] || got["receipt-code"] != "" || strings.Contains(stripGroups(r.body), filed["receipt-code"]) {
				t.Fatalf("changed submit showed %v (first %v): want the tracking number, never the receipt code", got, filed)
			}
			if after := e.counts(); after != before {
				t.Fatalf("the changed form was filed: %v -> %v", before, after)
			}
		})

		t.Run("WithoutOrWithANewNonce", func(t *testing.T) {
			for _, nonce := range []string{"", "not-a-nonce", nonceOf(e.do(http.MethodGet, "/complaint", "", nil).Body.String())} {
				f := validForm(agency)
				f["nonce"] = []string{nonce}
				if r := submit(f); r.code != http.StatusCreated || codes(r.body)["tracking-number"] == filed["tracking-number"] {
					t.Fatalf("nonce %q: %d %v", nonce, r.code, codes(r.body))
				}
			}
		})
	})
}

type httpResult struct {
	code int
	body string
}
