package store_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/store"
)

// A search query, whatever is typed, becomes at most a dozen plain words: lower case,
// valid text, no operator of either dialect's full-text syntax left to be read.
func FuzzSearchWords(f *testing.F) {
	for _, s := range []string{"", "  Inglés,  INTÉRPRETE! ", `"bail" OR* NEAR(force)`, "badge#4411 o'brien", "e\u0301xito", "a:b -c +d ^e", "\xff\xfe", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := store.SearchWords(s)
		if len(words) > 12 {
			t.Fatalf("%q gave %d words", s, len(words))
		}
		for _, w := range words {
			if w == "" || !utf8.ValidString(w) || w != strings.ToLower(w) || strings.ContainsAny(w, "\"*():^-+' \t\n") {
				t.Fatalf("%q gave the word %q", s, w)
			}
		}
	})
}
