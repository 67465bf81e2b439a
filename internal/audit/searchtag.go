package audit

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// What a search records of the words typed into it. The audit trail is permanent,
// exported and read by oversight bodies: a staff member's search for a complainant's or
// an officer's name must not put that name there. The event keeps that text was
// searched, as a keyed hash (docs/audit-events.md), so repeats of one search still show.

// searchTagPurpose separates these tags from any other use of the server's key; all
// free text searched shares it, so the same name searched as words or as an officer
// gives the same tag.
const searchTagPurpose = "audit search text v1"

// SearchTag stands for free text searched, under the service's key (see Tag).
func (s *Service) SearchTag(text string) string {
	if s == nil {
		return Tag(nil, text)
	}
	return Tag(s.Box, text)
}

// Tag stands for free text searched, wherever it is searched (the queue's words, the
// log's actor): "hmac:" and a keyed hash of its words, folded as the search folds them
// (case and accents), so "María López" and "maria lopez" tag alike. Without the
// server's key nobody can test a guessed name against it.
func Tag(box *secret.Box, text string) string {
	words := store.SearchWords(foldAccents(text))
	if box == nil {
		return "hmac:" // no key to tag with: only that text was given
	}
	return "hmac:" + box.Tag(searchTagPurpose, []byte(strings.Join(words, " ")))
}

// foldAccents drops combining marks: "López" becomes "Lopez".
func foldAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// knownActor is an actor the trail's own vocabulary names: an account's subject or a
// fixed actor. Anything else typed into the log's actor filter is free text.
var knownActor = regexp.MustCompile(`^(user:[0-9]{1,19}|public|system|receipt_holder)$`)

// SearchActor is what the log's search event records of its actor filter: a known
// actor as given (an address is looked up to its account's subject before the search),
// other text as a tag.
func (s *Service) SearchActor(actor string) string {
	if knownActor.MatchString(actor) {
		return actor
	}
	return s.SearchTag(actor)
}
