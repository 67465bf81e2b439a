package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
)

// Finding is the conclusion on one allegation (allegations.finding).
type Finding string

const (
	// The conduct happened and broke policy or law.
	Sustained Finding = "sustained"
	// The evidence cannot show whether it happened.
	NotSustained Finding = "not_sustained"
	// It happened and was lawful and within policy.
	Exonerated Finding = "exonerated"
	// It did not happen, or the officer was not involved.
	Unfounded Finding = "unfounded"
	// It happened as policy allows, and the policy itself (or training, or supervision)
	// is what failed.
	PolicyFailure Finding = "policy_failure"
)

// Findings lists the findings in the order forms show them.
var Findings = []Finding{Sustained, NotSustained, Exonerated, Unfounded, PolicyFailure}

// Disposition is how a case ended (complaints.disposition). Administrative closures
// store their reason as the disposition itself, so one column says it all;
// DispositionGroup puts the three reasons back under "administratively_closed" for
// reports.
type Disposition string

const (
	// Findings were made on every allegation and approved (approve_close).
	FindingsMade Disposition = "findings_made"
	// The complainant withdrew (withdraw).
	Withdrawn Disposition = "withdrawn"
	// Administratively closed: the same complaint is already being handled.
	Duplicate Disposition = "duplicate"
	// Administratively closed: not 287(g) conduct, or not this office's to review.
	OutsideJurisdiction Disposition = "outside_jurisdiction"
	// Administratively closed: too little to go on, and no more came.
	NotEnoughInformation Disposition = "not_enough_information"
	// Settled with the complainant's agreement (mediation, an apology, property returned).
	ResolvedInformally Disposition = "resolved_informally"
	// Handed over entirely to another office (ICE OPR, DHS OIG, a state attorney general).
	ReferredOut Disposition = "referred_out"
)

// Dispositions lists every disposition.
var Dispositions = []Disposition{
	FindingsMade, Withdrawn, Duplicate, OutsideJurisdiction, NotEnoughInformation,
	ResolvedInformally, ReferredOut,
}

// AdministrativelyClosed is the report group of Duplicate, OutsideJurisdiction and
// NotEnoughInformation.
const AdministrativelyClosed = "administratively_closed"

// DispositionGroup is d as oversight reports count it: "administratively_closed" for
// its three reasons, d itself otherwise.
func DispositionGroup(d Disposition) string {
	switch d {
	case Duplicate, OutsideJurisdiction, NotEnoughInformation:
		return AdministrativelyClosed
	}
	return string(d)
}

// administrative are the dispositions of a case closed without findings.
var administrative = []Disposition{Duplicate, OutsideJurisdiction, NotEnoughInformation, ResolvedInformally, ReferredOut}

var dispositionsOf = map[Transition][]Disposition{
	ApproveClose:          {FindingsMade},
	Withdraw:              {Withdrawn},
	CloseAdministratively: administrative,
	ProposeClosure:        administrative,
}

// DispositionsFor lists the dispositions t may record; none for a transition that
// does not end the case.
func DispositionsFor(t Transition) []Disposition { return slices.Clone(dispositionsOf[t]) }

// DispositionFor checks the disposition given with t. A transition with one possible
// disposition (approve_close, withdraw) gets it when d is empty; close_administratively
// and propose_closure need one of the five administrative ones; any other transition
// takes none. (approve_close of a proposed closure records the disposition proposed:
// casework reads it from the case.)
func DispositionFor(t Transition, d Disposition) (Disposition, error) {
	allowed := dispositionsOf[t]
	var fe redress.FieldErrors
	switch {
	case len(allowed) == 0 && d == "":
		return "", nil
	case len(allowed) == 0:
		fe.Add("disposition", "not_allowed")
	case d == "" && len(allowed) == 1:
		return allowed[0], nil
	case d == "":
		fe.Add("disposition", "required")
	case !slices.Contains(allowed, d):
		fe.Add("disposition", "one_of", joinCodes(allowed))
	default:
		return d, nil
	}
	return "", fe.Err()
}

// CheckFindings checks a proposal: one known finding for each of the complaint's
// allegations (by id), and nothing for an allegation it does not have.
func CheckFindings(allegations []redress.Allegation, findings map[int64]Finding) error {
	var fe redress.FieldErrors
	ids := make([]int64, 0, len(allegations))
	for _, a := range allegations {
		ids = append(ids, a.ID)
		f, ok := findings[a.ID]
		switch {
		case !ok || f == "":
			fe.Add(fmt.Sprintf("findings.%d", a.ID), "required")
		case !slices.Contains(Findings, f):
			fe.Add(fmt.Sprintf("findings.%d", a.ID), "one_of", joinCodes(Findings))
		}
	}
	extra := make([]int64, 0)
	for id := range findings {
		if !slices.Contains(ids, id) {
			extra = append(extra, id)
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		fe.Add(fmt.Sprintf("findings.%d", id), "unknown_allegation")
	}
	if len(allegations) == 0 {
		fe.Add("findings", "required_one")
	}
	return fe.Err()
}

func joinCodes[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
