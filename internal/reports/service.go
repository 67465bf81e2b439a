package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Service computes the tables and records every export of them. cmd/redress builds
// one over the oversight service.
type Service struct {
	Source Source
	// DB records exports and reads the agreement a report card is about.
	DB *store.DB
}

// Actor is who exports, and the request (or command-line run) they do it in.
type Actor struct {
	Subject   string
	RequestID string
}

// Set is every table of one filter, as a page or a report shows them.
type Set struct {
	Filter   redress.MeasureFilter
	AsOf     time.Time
	Measures redress.Measures
	Trend    []redress.MonthPoint
	// Tables by name, in Order.
	Tables map[string]Table
	Order  []string
}

func (s *Set) put(t Table) {
	if s.Tables == nil {
		s.Tables = map[string]Table{}
	}
	s.Tables[t.Name] = t
	s.Order = append(s.Order, t.Name)
}

// Build computes the filter's tables and the breakdowns named (redress.Breakdowns).
func (s *Service) Build(ctx context.Context, f redress.MeasureFilter, by ...string) (Set, error) {
	// A source that reads the measures and a breakdown at once (oversight.Service's
	// Dashboard) saves the page a read of the database.
	var m redress.Measures
	var first []redress.Group
	var err error
	if d, ok := s.Source.(interface {
		Dashboard(context.Context, redress.MeasureFilter, string) (redress.Measures, []redress.Group, error)
	}); ok && len(by) > 0 {
		m, first, err = d.Dashboard(ctx, f, by[0])
	} else {
		m, err = s.Source.Measures(ctx, f)
	}
	if err != nil {
		return Set{}, err
	}
	trend, err := s.Source.Trend(ctx, f)
	if err != nil {
		return Set{}, err
	}
	set := Set{Filter: f, AsOf: m.AsOf, Measures: m, Trend: trend}
	for _, t := range []Table{Summary(m), Times(m), Deadlines(m), Trend(trend), Bands(m), Findings(m), Referrals(m)} {
		set.put(t)
	}
	for i, b := range by {
		groups := first
		if i > 0 || groups == nil {
			if groups, err = s.Source.Breakdown(ctx, f, b); err != nil {
				return Set{}, err
			}
		}
		set.put(Breakdown(b, groups))
	}
	return set, nil
}

// Card is an agreement's report card: its registry history, its tables and how it
// compares with the agreements of its model over the same filter.
type Card struct {
	History redress.AgreementHistory
	Set
}

// Card builds the report card of agreement id over f (whose agreement and model it
// sets): its tables by unit, and the peers table.
func (s *Service) Card(ctx context.Context, id int64, f redress.MeasureFilter) (Card, error) {
	h, err := s.DB.AgreementHistory(ctx, id)
	if err != nil {
		return Card{}, err
	}
	own := f
	own.AgreementID, own.Model = id, ""
	set, err := s.Build(ctx, own)
	if err != nil {
		return Card{}, err
	}
	peers, err := s.peerGroups(ctx, f, h.Agreement.Model)
	if err != nil {
		return Card{}, err
	}
	set.put(Peers(set.Measures, peers))
	return Card{History: h, Set: set}, nil
}

// peerGroups is the breakdown by agreement of the agreements of one model, over f
// without its agency, agreement and state: the model's agreements everywhere.
func (s *Service) peerGroups(ctx context.Context, f redress.MeasureFilter, model redress.Model) ([]redress.Group, error) {
	pf := f
	pf.AgreementID, pf.AgencyID, pf.State, pf.Model = 0, 0, "", model
	return s.Source.Breakdown(ctx, pf, redress.ByAgreement)
}

// ErrUnknownTable is an export of a table that does not exist.
var ErrUnknownTable = errors.New("reports: unknown table")

// Export computes one table for f, recording the export first: an export that cannot
// be recorded is not given. The event names the table, the format and the filter,
// never the numbers.
func (s *Service) Export(ctx context.Context, by Actor, f redress.MeasureFilter, name, format string) (Table, time.Time, error) {
	if !Known(name) {
		return Table{}, time.Time{}, fmt.Errorf("%w: %s", ErrUnknownTable, name)
	}
	var t Table
	var asOf time.Time
	switch b, isBy := cutBy(name); {
	case name == TablePeers:
		if f.AgreementID == 0 {
			var fe redress.FieldErrors
			fe.Add("agreement", "required")
			return Table{}, time.Time{}, fe.Err()
		}
		c, err := s.Card(ctx, f.AgreementID, f)
		if err != nil {
			return Table{}, time.Time{}, err
		}
		t, asOf = c.Tables[TablePeers], c.AsOf
	case isBy:
		set, err := s.Build(ctx, f, b)
		if err != nil {
			return Table{}, time.Time{}, err
		}
		t, asOf = set.Tables[name], set.AsOf
	default:
		set, err := s.Build(ctx, f)
		if err != nil {
			return Table{}, time.Time{}, err
		}
		t, asOf = set.Tables[name], set.AsOf
	}
	if err := s.DB.RecordAudit(ctx, ExportedEvent(by, f, []string{name}, format)); err != nil {
		return Table{}, time.Time{}, err
	}
	return t, asOf, nil
}

// Report computes every table of f (and its breakdowns by state, agency, agreement and
// model) for `redress report`, recording the export.
func (s *Service) Report(ctx context.Context, by Actor, f redress.MeasureFilter, format string) (Set, error) {
	set, err := s.Build(ctx, f, redress.ByState, redress.ByAgency, redress.ByAgreement, redress.ByModel)
	if err != nil {
		return Set{}, err
	}
	if err := s.DB.RecordAudit(ctx, ExportedEvent(by, f, set.Order, format)); err != nil {
		return Set{}, err
	}
	return set, nil
}

// ExportedEvent is the report.exported event: which tables, in which format, over
// which filter; the agency and agreement filtered on are the event's own, so the
// agreement's audit log lists the exports about it.
func ExportedEvent(by Actor, f redress.MeasureFilter, tables []string, format string) redress.AuditEvent {
	return redress.AuditEvent{Actor: by.Subject, Action: redress.ActionReportExported, RequestID: by.RequestID,
		AgencyID: f.AgencyID, AgreementID: f.AgreementID,
		Details: map[string]any{"tables": tables, "format": format, "filters": FilterDetails(f)}}
}

// FilterDetails is a filter as an event's details record it: the period in UTC and the
// fields given.
func FilterDetails(f redress.MeasureFilter) map[string]any {
	d := map[string]any{}
	if !f.From.IsZero() {
		d["from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		d["to"] = f.To.UTC().Format(time.RFC3339)
	}
	for k, v := range map[string]string{"state": f.State, "model": string(f.Model), "unit": f.Unit,
		"category": string(f.Category), "function": string(f.Function), "channel": f.Channel, "language": f.Language,
		"priority": f.Priority, "custody": f.Custody} {
		if v != "" {
			d[k] = v
		}
	}
	if f.AgencyID != 0 {
		d["agency"] = f.AgencyID
	}
	if f.AgreementID != 0 {
		d["agreement"] = f.AgreementID
	}
	if !f.AllUnits {
		d["units"] = f.Units // the caller's reach: a supervisor's units
	}
	return d
}
