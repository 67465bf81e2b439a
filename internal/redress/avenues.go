package redress

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Avenue is a body outside the review office a complainant can take their complaint
// to: its contacts. What it is called and what it is for are words in the catalogs
// (avenue.<ID>.name, avenue.<ID>.what).
type Avenue struct {
	ID    string `json:"id"`
	When  string `json:"when"` // "always", or "agreement": only under a 287(g) agreement
	URL   string `json:"url"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	Mail  string `json:"mail,omitempty"`
	// State is the state of a state attorney general's entry; empty for the generic
	// line of a state the data has no office for.
	State string `json:"-"`
}

// avenuesJSON is the editable list of outside avenues. An embedded file rather than a
// table: the contacts change rarely, must read the same in every deployment, and are
// reviewed like code; a wrong or missing entry is a start-up failure (LoadAvenues), not
// a blank on a complainant's page.
//
//go:embed avenues.json
var avenuesJSON []byte

// Avenues are the outside avenues, read once from avenues.json.
type Avenues struct {
	Federal  []Avenue          `json:"federal"`
	LegalAid Avenue            `json:"legal_aid"`
	StateAG  map[string]string `json:"state_ag"`
}

// LoadAvenues reads avenues.json and checks it.
func LoadAvenues() (*Avenues, error) {
	var a Avenues
	if err := json.Unmarshal(avenuesJSON, &a); err != nil {
		return nil, fmt.Errorf("avenues.json: %w", err)
	}
	for _, v := range append(a.Federal, a.LegalAid) {
		if v.ID == "" || v.URL == "" || (v.When != "always" && v.When != "agreement") {
			return nil, fmt.Errorf("avenues.json: avenue %q needs an id, a url and when (always or agreement)", v.ID)
		}
	}
	for st, url := range a.StateAG {
		if _, ok := StateCode(st); !ok || url == "" {
			return nil, fmt.Errorf("avenues.json: state_ag %q: not a state code, or no url", st)
		}
	}
	return &a, nil
}

// For lists the avenues open to a complaint filed in state, under a 287(g) agreement or
// not: the federal bodies, the state's attorney general (its office when the data has
// it, else a generic entry with no contacts), and legal aid.
func (a *Avenues) For(state string, underAgreement bool) []Avenue {
	var out []Avenue
	for _, v := range a.Federal {
		if v.When == "always" || underAgreement {
			out = append(out, v)
		}
	}
	ag := Avenue{ID: "state_ag", When: "always", State: state}
	if url, ok := a.StateAG[state]; ok {
		ag.URL = url
	} else {
		ag.State = ""
	}
	out = append(out, ag, a.LegalAid)
	return out
}
