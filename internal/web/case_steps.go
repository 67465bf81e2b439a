package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The case page's helpers for its steps: the agency picker of triage and the preview of
// the outcome letter.

// agencyChoices is how many agencies a "find agency" search offers at most: enough
// for a common name in several states, few enough to read down a list.
const agencyChoices = 25

// findAgencies answers the triage form's "find agency" step (?agency_q=): the
// registry's agencies whose names contain the words typed, as choices. The search is
// the server's, so the page stays light with a registry of a thousand agencies or more.
func (s *Server) findAgencies(r *http.Request, v *caseView) error {
	q := strings.TrimSpace(r.URL.Query().Get("agency_q"))
	if q == "" {
		return nil
	}
	if len([]rune(q)) > 200 {
		q = string([]rune(q)[:200])
	}
	found, err := s.DB.ListAgencies(r.Context(), "", q, agencyChoices+1)
	if err != nil {
		return err
	}
	v.AgencyQuery = q
	if len(found) > agencyChoices {
		found, v.AgencyMore = found[:agencyChoices], true
	}
	v.AgencyMatches = found
	return nil
}

// letterPreview is the outcome as the complainant will read it on the status page, in
// their language, with the office's own paragraph under the standard words.
type letterPreview struct {
	// Lang is the complainant's language, LangName its name in the officer's.
	Lang    string
	Outcome *statusOutcome
	s       *Server
}

// T words id in the complainant's language.
func (l *letterPreview) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
	}
	return l.s.Catalog.T(l.Lang, id, data)
}

// letterPreview is the outcome a proposal would give once approved: the findings
// proposed (or the closure), as intake.Outcome puts them for the status page.
func (s *Server) letterPreview(c redress.Complaint, st redress.CaseState) *letterPreview {
	o := &intake.Outcome{Disposition: workflow.FindingsMade, Letter: st.OutcomeLetter}
	if st.ProposedDisposition != "" {
		o.Disposition = workflow.Disposition(st.ProposedDisposition)
	} else {
		for _, a := range c.Allegations {
			if f := st.Findings[a.ID]; f != "" {
				o.Findings = append(o.Findings, intake.AllegationFinding{Category: a.Category, Finding: workflow.Finding(f)})
			}
		}
	}
	lang := s.Catalog.Match(c.Language)
	return &letterPreview{Lang: lang, Outcome: s.outcomeView(lang, o), s: s}
}

// findingWords is the reasoning of each finding proposed and the letter's paragraph in
// a transition's event, for the case history ("" when it has none, or when they were
// withheld from the reader before).
func findingWords(p *page, ev redress.AuditEvent, als []redress.Allegation) string {
	if ev.Action != redress.ActionTransition {
		return ""
	}
	var parts []string
	reasons := map[string]string{}
	switch m := ev.Details["finding_reasons"].(type) {
	case map[string]any:
		for k, v := range m {
			reasons[k] = fmt.Sprint(v)
		}
	case map[int64]string:
		for k, v := range m {
			reasons[strconv.FormatInt(k, 10)] = v
		}
	}
	for _, a := range als {
		if r := reasons[strconv.FormatInt(a.ID, 10)]; r != "" {
			parts = append(parts, p.T("category."+string(a.Category))+", "+p.T("timeline.reasoning")+": "+r)
		}
	}
	if l, _ := ev.Details["letter"].(string); l != "" {
		parts = append(parts, p.T("timeline.letter")+": "+l)
	}
	return strings.Join(parts, "; ")
}
