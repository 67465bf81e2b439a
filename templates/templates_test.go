package templates_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/templates"
)

var (
	actions    = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tags       = regexp.MustCompile(`(?s)<[^>]*>`)
	readable   = regexp.MustCompile(`(?i)\b(alt|title|placeholder|aria-label)="([^"]*)"`)
	hasLetters = regexp.MustCompile(`\p{L}`)
)

// textOutside returns the words of a template a person would read that do not come from
// a template action, including readable attributes.
func textOutside(src string) []string {
	src = actions.ReplaceAllString(src, "")
	var out []string
	for _, m := range readable.FindAllStringSubmatch(src, -1) {
		if hasLetters.MatchString(m[2]) {
			out = append(out, m[1]+"="+m[2])
		}
	}
	for _, word := range strings.Fields(tags.ReplaceAllString(src, " ")) {
		if hasLetters.MatchString(word) {
			out = append(out, word)
		}
	}
	return out
}

func TestTextOutsideFindsText(t *testing.T) {
	got := textOutside(`<p title="Help">{{.T "x"}} Hello</p><input value="yes" aria-label="{{.T "y"}}"> · *`)
	if !slices.Equal(got, []string{"title=Help", "Hello"}) {
		t.Fatalf("textOutside = %q", got)
	}
}

// Every word a person reads must come from the catalogs: a template holding English text
// would show English to a Spanish reader.
func TestNoTextOutsideCatalogs(t *testing.T) {
	files, err := fs.Glob(templates.FS, "*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, name := range files {
		b, _ := fs.ReadFile(templates.FS, name)
		if words := textOutside(string(b)); len(words) > 0 {
			t.Errorf("%s has text outside the catalogs: %q", name, words)
		}
	}
}
