package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web"
)

// wordsCheck fails when body lacks a wanted phrase or holds an unwanted one.
func wordsCheck(t *testing.T, what, body string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	for _, n := range not {
		if strings.Contains(body, n) {
			t.Errorf("%s holds %q", what, n)
		}
	}
}

var idRE = regexp.MustCompile(`\sid="([^"]+)"`)

// The footer names the operator only when one is set, never claims a review office on
// its own, and keeps the public promise off staff pages.
func TestWordsFooter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		home := s.do("GET", "/?lang=en", "", nil).Body.String()
		wordsCheck(t, "public page, no operator", home, []string{"We never ask about immigration status."},
			[]string{"independent civilian", "<p></p>"})
		queue := s.get("intake", "/staff/complaints?lang=en").Body.String()
		wordsCheck(t, "staff page, no operator", queue, []string{"</main>"}, []string{"<footer", "We never ask about immigration status."})

		s.srv = s.server(func(d *web.Deps) { d.Operator = "Harris County Civilian Review Board" })
		home = s.do("GET", "/?lang=es", "", nil).Body.String()
		wordsCheck(t, "public page", home, []string{"Harris County Civilian Review Board", "Nunca preguntamos por el estatus migratorio."}, nil)
		queue = s.get("intake", "/staff/complaints?lang=es").Body.String()
		wordsCheck(t, "staff page", queue, []string{"<footer", "Harris County Civilian Review Board"},
			[]string{"Nunca preguntamos por el estatus migratorio."})
	})
}

// Other people are named neutrally: the accounts table and a revealed identity.
func TestWordsOtherPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		users := s.get("admin", "/admin/users?lang=en").Body.String()
		wordsCheck(t, "accounts table", users, []string{`<th scope="col">Name</th>`, `<label for="name">Name</label>`, "Account status"}, []string{"Your name"})
		users = s.get("admin", "/admin/users?lang=es").Body.String()
		wordsCheck(t, "accounts table (es)", users, []string{`<th scope="col">Nombre</th>`, "Situación de la cuenta"}, []string{"Su nombre", ">Estado<"})

		code, page := s.post("intake", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/identity?lang=en", url.Values{})
		if code != 200 {
			t.Fatalf("reveal: %d", code)
		}
		wordsCheck(t, "revealed identity", page, []string{"<dt>Name</dt><dd><bdi>Ana Gómez</bdi>"}, []string{"Your name"})
	})
}

// Spanish staff pages tell a case's status (Situación) from a U.S. state.
func TestWordsSpanishStatusAndState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		casePage := s.get("intake", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"?lang=es").Body.String()
		wordsCheck(t, "case page", casePage, []string{"<dt>Situación</dt>", "<dt>Estado (EE. UU.)</dt>"}, []string{">Estado<"})
		queue := s.get("intake", "/staff/complaints?lang=es").Body.String()
		wordsCheck(t, "queue", queue, []string{`<th scope="col">Situación</th>`, `<th scope="col">Estado (EE. UU.)</th>`}, []string{">Estado<"})
	})
}

// Every id on the case page, referral form included, names one element.
func TestWordsCaseIDsUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		page := s.get("supervisor", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"?lang=en").Body.String()
		if !strings.Contains(page, `id="ref-other-name"`) {
			t.Fatalf("no referral form on the case page:\n%s", page)
		}
		seen := map[string]int{}
		for _, m := range idRE.FindAllStringSubmatch(page, -1) {
			seen[m[1]]++
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("id %q appears %d times", id, n)
			}
		}
	})
}

// An agency ICE's sheet names "(#NA)" shows a plain phrase wherever it is listed; the
// stored name is untouched.
func TestWordsAgencyPlaceholder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		// The Texas complaint names an agency whose published name is the placeholder.
		if _, err := db.Bun().NewRaw("UPDATE agencies SET name = '(#NA)' WHERE id = ?", s.agency.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().NewRaw("UPDATE complaints SET agency_id = ? WHERE id = ?", s.agency.ID, s.txCase).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(s.txCase, 10)
		for _, tc := range []struct{ what, body, want string }{
			{"complaint form", s.do("GET", "/complaint?lang=en&state=TX", "", nil).Body.String(), "Agency name not published"},
			{"case page", s.get("intake", "/staff/complaints/"+id+"?lang=en").Body.String(), "Agency name not published"},
			{"queue", s.get("intake", "/staff/complaints?lang=en").Body.String(), "Agency name not published"},
			{"queue (es)", s.get("intake", "/staff/complaints?lang=es").Body.String(), "Nombre de la agencia no publicado"},
		} {
			wordsCheck(t, tc.what, tc.body, []string{tc.want}, []string{"#NA"})
		}
		if a, err := db.Agency(ctx, s.agency.ID); err != nil || a.Name != "(#NA)" {
			t.Errorf("stored agency %+v %v", a, err)
		}
	})
}

// The staff entry form asks about the complainant; the public form still says "your".
func TestWordsEntryFormNamesComplainant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		public := s.do("GET", "/complaint?lang=en", "", nil).Body.String()
		wordsCheck(t, "public form", public, []string{">Your name</label>", "Who may see your name and contact details?"}, []string{"Complainant"})

		entry := s.enterAs("intake", "GET", "/staff/complaints/new", "", nil).Body
		wordsCheck(t, "entry form", entry, []string{">Complainant&#39;s name</label>", ">Complainant&#39;s email</label>",
			"Does the complainant want to stay anonymous?", "Who may see the complainant&#39;s name and contact details?"},
			[]string{"Your name", "your name and contact details?"})

		v := validForm(strconv.FormatInt(s.agency.ID, 10))
		v.Set("channel", "phone")
		v.Set("email", "not an address")
		bad := s.enterAs("intake", "POST", "/staff/complaints/new", formType, form(v))
		if bad.Code != 422 {
			t.Fatalf("bad email: %d", bad.Code)
		}
		wordsCheck(t, "entry form errors", bad.Body, []string{`<a href="#email">Complainant&#39;s email – `}, nil)

		es := s.get("intake", "/staff/complaints/new?lang=es").Body.String()
		wordsCheck(t, "entry form (es)", es, []string{">Nombre de la persona que se queja</label>"}, []string{">Su nombre</label>"})
	})
}
