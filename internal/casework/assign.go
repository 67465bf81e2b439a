package casework

import (
	"context"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Assignment of complaints to investigators: who may be given a case, and when giving
// it is a supervisor's call, are rules of case work, the same from every door (the case
// page, the queue's bulk form, the API).

// Permissions of assignment, checked in the complaint's unit (policies/policy.csv).
const (
	permRead   = "complaint.read"
	permAssign = "complaint.assign"
)

// Assignees are who may be given c: enabled accounts that may start reviewing a case
// in its unit.
func (s *Service) Assignees(ctx context.Context, c redress.Complaint) ([]redress.User, error) {
	users, err := s.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []redress.User
	for _, u := range users {
		if s.investigates(u, c.Unit) {
			out = append(out, u)
		}
	}
	return out, nil
}

// QueueAssignees are who the queue's bulk form offers the assigner (a subject):
// enabled accounts that may start reviewing in some unit the assigner assigns in. Each
// complaint of a batch is checked again in its own unit by Assign.
func (s *Service) QueueAssignees(ctx context.Context, assigner string) ([]redress.User, error) {
	aAll, aUnits := s.Authz.Units(assigner, permAssign, "assign")
	if !aAll && len(aUnits) == 0 {
		return nil, nil
	}
	users, err := s.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []redress.User
	for _, u := range users {
		if u.Disabled {
			continue
		}
		if iAll, iUnits := s.Authz.Units(auth.Subject(u.ID), workflow.Permission, string(workflow.StartReview)); overlap(aAll, aUnits, iAll, iUnits) {
			out = append(out, u)
		}
	}
	return out, nil
}

// overlap says whether two sets of units (every unit, when all) share one.
func overlap(allA bool, a []string, allB bool, b []string) bool {
	switch {
	case allA && allB:
		return true
	case allA:
		return len(b) > 0
	case allB:
		return len(a) > 0
	}
	return slices.ContainsFunc(a, func(unit string) bool { return slices.Contains(b, unit) })
}

// investigates says whether u may be given a case of unit.
func (s *Service) investigates(u redress.User, unit string) bool {
	return !u.Disabled && s.Authz.Allowed(auth.Subject(u.ID), unit, workflow.Permission, string(workflow.StartReview))
}

// Assign gives complaints to the investigator assigneeID, all or none, and tells them by
// email in lang (the tracking numbers and a link; nothing about the complainant). For
// each complaint, in turn: the actor must assign in its unit (EFORBIDDEN), the assignee
// investigate there (EINVALID, field assignee), and a complaint that has another
// investigator goes to a new one only from who may reassign (redress.ErrReassign).
func (s *Service) Assign(ctx context.Context, a Actor, cs []redress.Complaint, assigneeID int64, lang string) error {
	if len(cs) == 0 {
		var fe redress.FieldErrors
		fe.Add("complaints", "required_one")
		return fe.Err()
	}
	u, err := s.DB.User(ctx, assigneeID)
	if err != nil && redress.ErrorCode(err) != redress.ENOTFOUND {
		return err
	}
	known := err == nil
	for _, c := range cs {
		// The caller's right first: a complaint they may not touch is refused whoever
		// the assignee.
		if !s.Authz.Allowed(a.Subject, c.Unit, permRead, "read") || !s.Authz.Allowed(a.Subject, c.Unit, permAssign, "assign") {
			return redress.Errorf(redress.EFORBIDDEN, "This complaint belongs to a unit you do not assign in.")
		}
		if !known || !s.investigates(u, c.Unit) {
			var fe redress.FieldErrors
			fe.Add("assignee", "not_investigator")
			return fe.Err()
		}
		// Taking a case off one investigator for another is a supervisor's call.
		if c.AssigneeID != 0 && c.AssigneeID != u.ID && !s.Authz.Allowed(a.Subject, c.Unit, permAssign, "reassign") {
			return redress.ErrReassign
		}
	}
	return s.assign(ctx, a, cs, u, lang)
}

// assign records the assignment of open complaints, with its email.
func (s *Service) assign(ctx context.Context, a Actor, cs []redress.Complaint, assignee redress.User, lang string) error {
	var numbers []string
	var complaintIDs []int64
	for _, c := range cs {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		numbers = append(numbers, c.TrackingNumber)
		complaintIDs = append(complaintIDs, c.ID)
	}
	data := map[string]any{"Count": len(numbers), "Numbers": strings.Join(numbers, ", "),
		"Link": strings.TrimRight(s.PublicURL, "/") + "/staff/complaints"}
	m := redress.OutboundMail{Kind: MailAssigned, Language: lang,
		Subject: s.Catalog.T(lang, "email.assigned.subject", data),
		Body:    s.Catalog.T(lang, "email.assigned.body", data) + "\n\n" + s.Catalog.T(lang, "email.footer.automatic", nil) + "\n"}
	mail.SealRecipient(s.Box, &m, assignee.Email)
	return s.DB.Assign(ctx, store.AssignmentChange{ComplaintIDs: complaintIDs, AssigneeID: assignee.ID,
		Mail: []redress.OutboundMail{m}, Audit: a.event(redress.ActionAssigned)})
}
