package redress

import "slices"

// Staff's own words: what staff type about a case (a transition's reason, the reasoning
// of each finding, the personal paragraph of the outcome letter, why an
// agreement applies or not, a referral's office, method and what was shared, the
// office's answer and outcome). They can name people ("officer badge 4471") as the
// complainant's words do, so they are read under the same permission as the narrative
// (complaint.narrative read); a reader without it sees the case de-identified
// (docs/roles.md).

// staffWordsDetails names, per audit action, the details that hold staff's own words.
// Every other detail of these events is a code, a number or a date.
var staffWordsDetails = map[string][]string{
	ActionTransition:     {"reason", "finding_reasons", "letter"},
	ActionTriaged:        {"agreement_reason"},
	ActionReferred:       {"method"},
	ActionReferralAnswer: {"outcome"},
}

// WithheldDetail is the detail that lists, in place of staff's words, the details left
// out for a reader who may not read them.
const WithheldDetail = "withheld"

// WithoutStaffWords returns an event's details without staff's own words, naming the
// details left out under WithheldDetail. The map given is never changed; it is
// returned as it is when it holds no such words.
func WithoutStaffWords(action string, details map[string]any) map[string]any {
	var out map[string]any
	var withheld []string
	for _, k := range staffWordsDetails[action] {
		if v, ok := details[k]; !ok || v == "" {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(details))
			for dk, dv := range details {
				out[dk] = dv
			}
		}
		delete(out, k)
		withheld = append(withheld, k)
	}
	if out == nil {
		return details
	}
	slices.Sort(withheld)
	out[WithheldDetail] = withheld
	return out
}

// WithoutStaffWords blanks the referral's words typed by staff or by the other
// office, keeping its codes, dates and the directory's office name.
func (r *Referral) WithoutStaffWords() {
	r.RecipientOther, r.Method, r.Shared, r.Answer, r.Outcome = "", "", "", "", ""
}
