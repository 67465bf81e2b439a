package i18n_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/redress-oversight/redress/internal/i18n"
)

// Every message has to exist in every language: a Spanish reader must never meet an
// English sentence because a key was forgotten.
func TestCatalogsComplete(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en, err := i18n.Keys("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		keys, err := i18n.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		// A key in two of a language's files would be read from whichever loads last.
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("%s: %q is in two catalog files", lang, k)
			}
			seen[k] = true
		}
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s catalog lacks %q", lang, k)
			}
		}
		for _, k := range keys {
			if !slices.Contains(en, k) {
				t.Errorf("%s catalog has %q, which English lacks", lang, k)
			}
		}
	}
	if got := c.Languages(); !slices.Equal(got, []string{"en", "es"}) && !(len(got) > 2 && got[0] == "en") {
		t.Errorf("Languages() = %v, want en first and es", got)
	}
}

// An area's own catalog file (locales/AREA.LANG.json) is read as LANG.
func TestAreaCatalog(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("es", "oversight.title", nil); got != "Supervisión" {
		t.Errorf(`T("es", "oversight.title") = %q, want "Supervisión" from oversight.es.json`, got)
	}
	if got := c.Languages(); slices.Contains(got, "oversight") {
		t.Errorf("Languages() = %v: an area file was read as a language", got)
	}
}

func TestMatch(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefs []string
		want  string
	}{
		{[]string{"es-MX,es;q=0.9,en;q=0.8"}, "es"},
		{[]string{"fr-FR,fr;q=0.9"}, "en"},
		{[]string{"", "es"}, "es"},
		{[]string{"not a language!!", "es-419"}, "es"},
		{nil, "en"},
	} {
		if got := c.Match(tc.prefs...); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.prefs, got, tc.want)
		}
	}
	if got := c.T("es", "rule.too_long", map[string]any{"Param": 300}); got != "Es demasiado largo: como máximo 300 caracteres." {
		t.Errorf("T(es, rule.too_long) = %q", got)
	}
	if got := c.T("es", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
}

// A count picks the plural form in each language: no "complaint(s)".
func TestPlural(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 complaint was assigned to you: A."},
		{"en", 2, "2 complaints were assigned to you: A."},
		{"es", 1, "Se le asignó 1 queja: A."},
		{"es", 2, "Se le asignaron 2 quejas: A."},
	} {
		got := c.T(tc.lang, "email.assigned.body", map[string]any{"Count": tc.count, "Numbers": "A", "Link": "L"})
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s, %d: %q, want %q…", tc.lang, tc.count, got, tc.want)
		}
	}
	if one, many := c.T("en", "email.assigned.subject", map[string]any{"Count": 1}), c.T("en", "email.assigned.subject", map[string]any{"Count": 3}); one == many {
		t.Errorf("subject does not follow the count: %q", one)
	}
}

// Adding a language go-i18n has no CLDR plural rule for, as the README says to, must not
// stop the server: Haitian Creole loads, is matched and takes the "other" form of plural
// messages; what it lacks falls back to English.
func TestLanguageWithoutPluralRule(t *testing.T) {
	ht := `{
  "language.name": "Kreyòl ayisyen",
  "status.title": "Tcheke yon plent",
  "agency.found": {"one": "1 ajans (one)", "other": "{{.Count}} ajans"}
}`
	c, err := i18n.LoadWith(fstest.MapFS{"ht.json": {Data: []byte(ht)}})
	if err != nil {
		t.Fatalf("loading ht: %v", err)
	}
	if got := c.Languages(); !slices.Equal(got, []string{"en", "es", "ht"}) {
		t.Errorf("Languages() = %v", got)
	}
	if !c.Supported("ht") || c.Match("ht-HT, en;q=0.5") != "ht" {
		t.Error("ht is not offered")
	}
	for _, tc := range []struct {
		id   string
		data map[string]any
		want string
	}{
		{"status.title", nil, "Tcheke yon plent"},
		{"agency.found", map[string]any{"Count": 1}, "1 ajans"},
		{"agency.found", map[string]any{"Count": 3}, "3 ajans"},
		{"site.name", nil, "Redress"},
		{"status.intro", nil, c.T("en", "status.intro", nil)},
	} {
		if got := c.T("ht", tc.id, tc.data); got != tc.want {
			t.Errorf("T(ht, %s, %v) = %q, want %q", tc.id, tc.data, got, tc.want)
		}
	}
	if c.T("es", "status.title", nil) != "Consultar una queja" {
		t.Error("Spanish lost its messages")
	}

	// A message without the one form the language uses is a clear error, not a gap.
	_, err = i18n.LoadWith(fstest.MapFS{"ht.json": {Data: []byte(`{"agency.found": {"one": "1 ajans"}}`)}})
	if err == nil || !strings.Contains(err.Error(), "ht.json") {
		t.Errorf("ht without other forms: %v", err)
	}
}
