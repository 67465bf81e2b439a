package redress

import (
	"fmt"
	"strings"
)

// HiddenControl tells whether r is a format character that reorders or hides text
// without showing itself: the bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), the zero-width space, word joiner and invisible
// operators (U+200B, U+2060–U+2064) and the byte order mark (U+FEFF). With them an
// officer's name or a file name can read differently from what it is ("RLO" turns
// "cod.exe" into what looks like "exe.doc").
//
// Not among them: the zero-width joiner and non-joiner, which Persian, Indic scripts
// and emoji need, and the left-to-right and right-to-left marks, which only settle
// the direction of neutral characters next to them.
func HiddenControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x200B, r >= 0x2060 && r <= 0x2064, r == 0xFEFF:
		return true
	}
	return false
}

// StripHiddenControls drops HiddenControl characters: for single-line fields (names,
// places, addresses), where they have no honest use.
func StripHiddenControls(s string) string {
	if !strings.ContainsFunc(s, HiddenControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if HiddenControl(r) {
			return -1
		}
		return r
	}, s)
}

// ShowHiddenControls writes each HiddenControl character as its \uXXXX escape, so a
// reader sees it is there (valid inside a JSON string, too).
func ShowHiddenControls(s string) string {
	if !strings.ContainsFunc(s, HiddenControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if HiddenControl(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
