// Package casework is what review officers do to a case: triage, assignment, status
// transitions through the workflow, referrals and findings, and the queue's search that
// finds cases (search.go). The web layer has already
// asked Casbin whether the caller may; this package keeps the case consistent and the
// record complete, and tells people what they need to know by email.
package casework

import (
	"context"
	"time"

	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Service carries out case work.
type Service struct {
	DB        *store.DB
	Box       *secret.Box
	Catalog   *i18n.Catalog
	PublicURL string
	Now       func() time.Time
	// Deadlines defines the case clocks (deadline.Defaults() unless configured).
	Deadlines deadline.Config
	// Authz says who may assign a case, reassign it, and be given it: assignment's
	// rules are case work's, checked again here for every complaint of a batch.
	Authz *authz.Enforcer
	// MissedDeadlines, when set, is told how many misses each pass of WatchDeadlines
	// recorded (the metrics listener counts them).
	MissedDeadlines func(n int)
}

// Time is now by the service's clock (Now, else the system's): when a complaint filed
// now starts its clocks.
func (s *Service) Time() time.Time { return s.now() }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Actor is who does the work, for the audit trail.
type Actor struct {
	UserID    int64
	Subject   string
	RequestID string
}

func (a Actor) event(action string) redress.AuditEvent {
	return redress.AuditEvent{Actor: a.Subject, Action: action, RequestID: a.RequestID}
}

// Kinds of mail case work sends, and how long a referral waits by default.
const (
	MailAssigned            = "complaint.assigned"
	MailOutcome             = "complaint.outcome"
	MailReferralDefaultDays = 30
)

// Priorities of a complaint.
var Priorities = workflow.Priorities

// mustBeOpen refuses work on a closed or withdrawn case: it is reopened (with a reason,
// in the record) before anything else is done to it.
func mustBeOpen(c redress.Complaint) error {
	if workflow.Open(c.Status) {
		return nil
	}
	return &redress.Error{Code: redress.ECONFLICT, Key: "error.case_ended",
		Message: "This complaint is " + c.Status + "; reopen it before changing it."}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// model is the MOA model of the complaint's agreement, "" when it has none.
func (s *Service) model(ctx context.Context, c redress.Complaint) (redress.Model, error) {
	if c.AgreementID == 0 {
		return "", nil
	}
	a, err := s.DB.Agreement(ctx, c.AgreementID)
	if err != nil {
		return "", err
	}
	return a.Model, nil
}
