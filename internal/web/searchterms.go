package web

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redress-oversight/redress/internal/redress"
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

// searchTag stands for free text searched: "hmac:" and a keyed hash of its words, folded
// as the search folds them (case and accents), so "María López" and "maria lopez" tag
// alike. Without the server's key nobody can test a guessed name against it.
func (s *Server) searchTag(text string) string {
	words := store.SearchWords(foldAccents(text))
	if s.Intake == nil || s.Intake.Box == nil {
		return "hmac:" // no key to tag with: only that text was given
	}
	return "hmac:" + s.Intake.Box.Tag(searchTagPurpose, []byte(strings.Join(words, " ")))
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

// queueFilterGiven is what the search event records of one of the queue's filters:
// free text (q, officer) as a tag, a tracking number as normalized, other values (each
// checked against a fixed set or format before a search runs) as given.
func (s *Server) queueFilterGiven(name, val string) string {
	switch name {
	case "q", "officer":
		return s.searchTag(val)
	case "tracking":
		if tn := redress.NormalizeTrackingNumber(val); tn != "" {
			return tn
		}
	}
	return val
}

// knownActor is an actor the trail's own vocabulary names: an account's subject or a
// fixed actor. Anything else typed into the log's actor filter is free text.
var knownActor = regexp.MustCompile(`^(user:[0-9]{1,19}|public|system|receipt_holder)$`)

// auditActorGiven is what the log's search event records of its actor filter: the
// account an address stands for (its subject, never the address), a known actor as
// given, other text as a tag.
func (s *Server) auditActorGiven(actor string) string {
	if knownActor.MatchString(actor) {
		return actor
	}
	return s.searchTag(actor)
}
