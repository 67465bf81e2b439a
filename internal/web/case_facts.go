package web

import "github.com/redress-oversight/redress/internal/redress"

// What the complainant told us, as the case page and the case API show it: custody
// first (someone held now is the most urgent case there is), then the place, the
// functions, the language they prefer to be contacted in, and the offices they agreed
// may receive their identity (what a referral with identity relies on).

// custodyAnswer is one custody question and its answer: yes, no, or unknown (not
// answered, or "I don't know").
type custodyAnswer struct {
	Fact   string
	Answer string
}

// CustodyAnswers are the three custody questions, in the order of
// redress.CustodyFacts.
func (v *caseView) CustodyAnswers() []custodyAnswer {
	c := v.Complaint.Custody
	out := make([]custodyAnswer, len(redress.CustodyFacts))
	for i, fact := range redress.CustodyFacts {
		out[i] = custodyAnswer{Fact: fact, Answer: custodyWord(c.Answer(fact))}
	}
	return out
}

// InCustodyNow tells whether the complainant said the person is held now.
func (v *caseView) InCustodyNow() bool { return v.Complaint.Custody.Says(redress.CustodyInCustody) }

// custodyWord names an answer as the catalog's answer.* keys do.
func custodyWord(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "yes"
	}
	return "no"
}

// hideOwnWords blanks what the complainant typed in their own words, for a caller
// who may not read them: free text can name people, so the county, the place, an
// agency not in the registry and the language they asked to be contacted in go with
// the narrative.
func (v *caseView) hideOwnWords() {
	c := &v.Complaint
	c.Narrative, c.Officers, c.Witnesses = "", "", ""
	c.County, c.Place, c.PreferredLanguage = "", "", ""
	v.AgencyName, v.AgencyHidden = "", c.AgencyOther != ""
	c.AgencyOther = ""
}

// caseFactsJSON is what the complainant told us, in the case API. Place and
// preferred_language are the complainant's words: left out where the narrative is.
type caseFactsJSON struct {
	Custody           redress.Custody     `json:"custody"`
	Place             *string             `json:"place,omitempty"`
	PreferredLanguage *string             `json:"preferred_language,omitempty"`
	Filer             redress.Filer       `json:"filer"`
	Consent           []redress.Recipient `json:"consent_to_share_identity"`
}

func newCaseFactsJSON(v *caseView) caseFactsJSON {
	c := v.Complaint
	out := caseFactsJSON{Custody: c.Custody, Filer: c.Filer, Consent: c.Consent}
	if out.Consent == nil {
		out.Consent = []redress.Recipient{}
	}
	if v.ShowNarrative {
		out.Place, out.PreferredLanguage = &c.Place, &c.PreferredLanguage
	}
	return out
}
