package web

import "regexp"

// searchTag stands for free text searched, in an audit event: casework's keyed tag,
// the same for the queue's search and the log's.
func (s *Server) searchTag(text string) string {
	if s.Casework == nil {
		return "hmac:" // no key to tag with: only that text was given
	}
	return s.Casework.SearchTag(text)
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
