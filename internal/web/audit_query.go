package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
)

// Reading the audit log's query parameters, shared by the oversight page and
// GET /api/v1/audit/events, and searching the trail with them.

// auditFilterNames are the log's filters, in the order the form shows them and errors
// are listed; page and per_page only page it.
var auditFilterNames = []string{"complaint", "agreement", "agency", "actor", "action", "from", "to"}

// auditParams is every query parameter the log takes: its filters, upto and the page,
// and the page's language switch. Any other is refused (refuseUnknownParams).
var auditParams = slices.Concat(auditFilterNames, []string{"upto", "page", "per_page", "after", "before", "lang"})

const (
	defaultAuditPerPage = 50
	maxAuditPerPage     = 200
)

// auditQuery is a request for the log as read.
type auditQuery struct {
	Filter  redress.AuditFilter
	Page    int
	PerPage int
	// Given holds the filters given, for the audit event's details; the event records
	// the actor from Filter.Actor (audit.Service.SearchActor), never as typed.
	Given map[string]any
}

// parseAuditQuery reads the log's query parameters. The events searched are those the
// caller may read: all of them with audit.log in every unit, else those about
// complaints now in the caller's units. pageOnly names parameters the caller (the page)
// takes besides the log's.
func (s *Server) parseAuditQuery(r *http.Request, pageOnly ...string) (auditQuery, error) {
	ctx := r.Context()
	pr, _ := principal(r)
	v := r.URL.Query()
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	aq := auditQuery{Page: 1, PerPage: defaultAuditPerPage, Given: map[string]any{}}
	for _, name := range auditFilterNames {
		if val := get(name); val != "" {
			aq.Given[name] = val
		}
	}
	f := &aq.Filter
	f.NewestFirst = true
	all, units := s.Authz.Units(pr.Subject(), permAuditLog, "read")
	f.Scoped, f.Units = !all, units

	var fe redress.FieldErrors
	refuseUnknownParams(v, slices.Concat(auditParams, pageOnly), &fe)
	var err error
	if f.ComplaintID, err = s.parseComplaintParam(ctx, "complaint", get("complaint"), all, units, &fe); err != nil {
		return aq, err
	}
	f.AgreementID = parseIDParam("agreement", get("agreement"), &fe)
	f.AgencyID = parseIDParam("agency", get("agency"), &fe)
	f.Actor, f.Action = get("actor"), get("action")
	f.From, f.To = parseTimeRange(get("from"), get("to"), &fe)
	// upto holds the pages of one search still while events are added.
	f.UptoID = parseIDParam("upto", get("upto"), &fe)
	parsePaging(get, maxAuditPerPage, &aq.Page, &aq.PerPage, &fe)
	f.Limit, f.Offset = aq.PerPage, (aq.Page-1)*aq.PerPage
	// A cursor (after, before) finds the page by event id; page then only numbers it.
	f.After, f.Before = parseCursors(cursorAudit, get, &fe)
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	if f.Actor != "" && !fe.Has("actor") {
		if f.Actor, err = s.auditActor(ctx, f.Actor, &fe); err != nil {
			return aq, err
		}
	}
	if tn := redress.NormalizeTrackingNumber(get("complaint")); tn != "" {
		aq.Given["complaint"] = tn
	}
	order := append(slices.Clone(auditFilterNames), "upto", "page", "per_page", "after", "before")
	return aq, sortFieldErrors(fe, order).Err()
}

// auditActor is the subject an actor filter names: as given, or the account of a staff
// member given by address, for people who do not know account ids.
func (s *Server) auditActor(ctx context.Context, actor string, fe *redress.FieldErrors) (string, error) {
	if !strings.Contains(actor, "@") {
		return actor, nil
	}
	u, err := s.Auth.UserByEmail(ctx, actor)
	switch {
	case redress.ErrorCode(err) == redress.ENOTFOUND:
		fe.Add("actor", "unknown_actor")
		return "", nil
	case err != nil:
		return "", err
	}
	return auth.Subject(u.ID), nil
}

// parseComplaintParam reads a tracking number and finds its complaint's id. A complaint
// outside the units the caller may look in (all, units) is answered as one that does not
// exist: the filter must not tell whether another unit has it.
func (s *Server) parseComplaintParam(ctx context.Context, name, val string, all bool, units []string, fe *redress.FieldErrors) (int64, error) {
	if val == "" {
		return 0, nil
	}
	tracking := redress.NormalizeTrackingNumber(val)
	if tracking == "" {
		fe.Add(name, "tracking_number")
		return 0, nil
	}
	ref, err := s.DB.ComplaintByTracking(ctx, tracking)
	switch {
	case err != nil && redress.ErrorCode(err) != redress.ENOTFOUND:
		return 0, err
	case err != nil || !all && !slices.Contains(units, ref.Unit):
		fe.Add(name, "unknown_tracking", tracking)
		return 0, nil
	}
	return ref.ID, nil
}

func parseIDParam(name, val string, fe *redress.FieldErrors) int64 {
	if val == "" {
		return 0
	}
	id, err := strconv.ParseInt(val, 10, 64)
	if err != nil || id <= 0 {
		fe.Add(name, "id")
		return 0
	}
	return id
}

// parseTimeRange reads from and to: each a day (UTC; to includes its whole day) or an
// RFC 3339 time (to excluded), as `redress audit export` takes them. Whether they make
// a range is AuditFilter.Validate's to say.
func parseTimeRange(from, to string, fe *redress.FieldErrors) (time.Time, time.Time) {
	read := func(name, val string, upper bool) time.Time {
		if val == "" {
			return time.Time{}
		}
		if d, err := time.Parse(time.DateOnly, val); err == nil {
			if upper {
				d = d.AddDate(0, 0, 1)
			}
			return d
		}
		t, err := time.Parse(time.RFC3339Nano, val)
		if err != nil {
			fe.Add(name, "date_time")
			return time.Time{}
		}
		return t.UTC()
	}
	return read("from", from, false), read("to", to, true)
}

// searchAudit runs a parsed query of the log; the service records the look first.
func (s *Server) searchAudit(r *http.Request, aq auditQuery) (audit.SearchResult, error) {
	return s.Audit.Search(r.Context(), auditBy(r), audit.Search{Filter: aq.Filter, Given: aq.Given, Page: aq.Page})
}

// auditBy is who looks at the trail in r.
func auditBy(r *http.Request) audit.Actor {
	pr, _ := principal(r)
	return audit.Actor{Subject: pr.Subject(), RequestID: requestID(r)}
}
