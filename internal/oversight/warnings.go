package oversight

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// The early warning for supervisors (issue 15, point 6): four flags over the complaints
// of the caller's units, each with the cases behind it.
//
//   - Officers: an officer key (redress.OfficerKeys: by badge, else by surname) named in
//     at least officer_min_complaints complaints of one agency received in the last
//     officer_window_days. Shown only where the caller may read the officers field.
//   - Agencies: complaints received in the last agency_recent_days against the average
//     per window of the agency_past_days before; a jump of agency_jump_percent or more,
//     once the recent count reaches agency_min_complaints. And the sustained share of
//     allegations decided on complaints closed in each period: a rise of
//     sustained_jump_points or more, once sustained_min_findings were decided recently.
//   - Custody: open complaints saying the person was held past release, received more
//     than custody_hours ago.
//   - Urgent: open urgent complaints nobody is assigned to, received more than
//     urgent_hours ago.
//
// Each threshold is met at equality: a flag fires at the threshold, not below it.

// Warnings computes the early warning and keeps its thresholds.
type Warnings struct {
	DB  *store.DB
	Now func() time.Time

	// The agencies' section compares months of complaints: counted at most once per
	// AgencyCountsFor for each scope and thresholds (a changed threshold counts again).
	mu      sync.Mutex
	counted map[string]agencyCount
}

// AgencyCountsFor is how long an agencies' section is reused: its windows span months,
// so minutes change nothing a supervisor acts on, and counting every unit's complaints
// of fifteen months takes a noticeable fraction of a second at a million complaints
// (docs/performance.md, "Early warning").
const AgencyCountsFor = 10 * time.Minute

type agencyCount struct {
	at    time.Time
	flags []AgencyFlag
}

func (w *Warnings) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// MaxWarningGroups bounds the officer flags a report lists (most complaints first).
const MaxWarningGroups = 100

// MaxWarningCases bounds the cases a custody or urgent flag lists (oldest first); the
// count is whole.
const MaxWarningCases = 50

// WarningScope is whose complaints a report covers: the units where the caller may
// read the warning, and, among them, those where the caller may read officer names.
type WarningScope struct {
	AllUnits        bool
	Units           []string
	OfficersAll     bool
	OfficersUnits   []string
	OfficersAllowed bool // false: the report holds no officer flag at all
}

// WarningReport is the early warning at one moment.
type WarningReport struct {
	At       time.Time
	Settings redress.WarningSettings
	// AgenciesAt is when the agencies' section was counted (AgencyCountsFor).
	AgenciesAt time.Time
	// OfficersShown is false where the caller may read no officer name.
	OfficersShown bool
	Officers      []OfficerFlag
	Agencies      []AgencyFlag
	Custody       CaseFlag
	Urgent        CaseFlag
}

// OfficerFlag is one officer key of one agency and its complaints.
type OfficerFlag struct {
	AgencyID int64
	Key      string
	Badge    string // the badge number, for a badge key
	Name     string // the surname, for a name key
	Cases    []redress.WarningCase
}

// AgencyFlag is one agency whose count or sustained share jumped.
type AgencyFlag struct {
	redress.AgencyWindows
	RecentFrom    time.Time
	CountJump     bool
	PastAverage   float64 // complaints per recent window in the past
	SustainedJump bool
	RecentRate    float64 // sustained share, 0–100
	PastRate      float64
}

// CaseFlag is a list of cases, the first MaxWarningCases of Total.
type CaseFlag struct {
	Total int
	Cases []redress.WarningCase
}

// Settings gives the thresholds in force.
func (w *Warnings) Settings(ctx context.Context) (redress.WarningSettings, error) {
	return w.DB.WarningSettings(ctx)
}

// SaveSettings reads the settings form (get gives a field's value) and stores the
// thresholds that changed, with an audit event of their old and new values. Input out
// of range is refused whole (EINVALID, a field error each).
func (w *Warnings) SaveSettings(ctx context.Context, by casework.Actor, get func(string) string) error {
	next, err := redress.ParseWarningSettings(get)
	if err != nil {
		return err
	}
	return w.DB.SaveWarningSettings(ctx, next, redress.AuditEvent{Actor: by.Subject,
		Action: redress.ActionWarningSettingsSaved, RequestID: by.RequestID})
}

// Report computes the early warning for scope.
func (w *Warnings) Report(ctx context.Context, scope WarningScope) (*WarningReport, error) {
	set, err := w.DB.WarningSettings(ctx)
	if err != nil {
		return nil, err
	}
	now := w.now()
	r := &WarningReport{At: now, Settings: set, OfficersShown: scope.OfficersAllowed}
	if scope.OfficersAllowed {
		if r.Officers, err = w.officers(ctx, scope, set, now); err != nil {
			return nil, err
		}
	}
	if r.Agencies, r.AgenciesAt, err = w.cachedAgencies(ctx, scope, set, now); err != nil {
		return nil, err
	}
	r.Custody.Cases, r.Custody.Total, err = w.DB.HeldPastReleaseOpen(ctx, scope.AllUnits, scope.Units,
		now.Add(-set.Hours(redress.WarnCustodyHours)), MaxWarningCases)
	if err != nil {
		return nil, err
	}
	r.Urgent.Cases, r.Urgent.Total, err = w.DB.UrgentUnassigned(ctx, scope.AllUnits, scope.Units,
		now.Add(-set.Hours(redress.WarnUrgentHours)), MaxWarningCases)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// RecordView writes the audit event of a look at a report: the units it covered,
// whether officers were shown, and how many flags each section held; never a name.
func (w *Warnings) RecordView(ctx context.Context, by casework.Actor, scope WarningScope, r *WarningReport) error {
	var units any = scope.Units
	if scope.AllUnits {
		units = "*"
	}
	return w.DB.RecordRead(ctx, redress.AuditEvent{Actor: by.Subject, Action: redress.ActionWarningsViewed, RequestID: by.RequestID,
		Details: map[string]any{"units": units, "officers_shown": r.OfficersShown, "officers": len(r.Officers),
			"agencies": len(r.Agencies), "custody": r.Custody.Total, "urgent": r.Urgent.Total}})
}

// officers finds the officer flags.
func (w *Warnings) officers(ctx context.Context, scope WarningScope, set redress.WarningSettings, now time.Time) ([]OfficerFlag, error) {
	groups, err := w.DB.OfficerGroups(ctx, scope.OfficersAll, scope.OfficersUnits,
		now.Add(-set.Days(redress.WarnOfficerDays)), set[redress.WarnOfficerMin], MaxWarningGroups)
	if err != nil {
		return nil, err
	}
	out := make([]OfficerFlag, len(groups))
	for i, g := range groups {
		out[i] = OfficerFlag{AgencyID: g.AgencyID, Key: g.Key, Badge: redress.OfficerKeyBadge(g.Key), Name: redress.OfficerKeyName(g.Key), Cases: g.Cases}
	}
	return out, nil
}

// cachedAgencies gives the agencies' section counted less than AgencyCountsFor ago for
// the same units and thresholds, else counts it.
func (w *Warnings) cachedAgencies(ctx context.Context, scope WarningScope, set redress.WarningSettings, now time.Time) ([]AgencyFlag, time.Time, error) {
	key := fmt.Sprint(scope.AllUnits, scope.Units, set)
	w.mu.Lock()
	c, ok := w.counted[key]
	w.mu.Unlock()
	if ok && now.Sub(c.at) < AgencyCountsFor && !now.Before(c.at) {
		return c.flags, c.at, nil
	}
	flags, err := w.agencies(ctx, scope, set, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.counted == nil || len(w.counted) > 1000 {
		w.counted = map[string]agencyCount{} // bounded: scopes are few, thresholds rarely change
	}
	w.counted[key] = agencyCount{at: now, flags: flags}
	return flags, now, nil
}

// agencies finds the agencies whose complaint count or sustained share jumped. The
// comparisons are in whole numbers, so a jump exactly at the threshold fires.
func (w *Warnings) agencies(ctx context.Context, scope WarningScope, set redress.WarningSettings, now time.Time) ([]AgencyFlag, error) {
	recentDays, pastDays := int64(set[redress.WarnAgencyRecentDays]), int64(set[redress.WarnAgencyPastDays])
	recentFrom := now.Add(-set.Days(redress.WarnAgencyRecentDays))
	pastFrom := recentFrom.Add(-set.Days(redress.WarnAgencyPastDays))
	minRecent, minDecided := set[redress.WarnAgencyMin], set[redress.WarnSustainedMin]
	windows, err := w.DB.AgencyWindows(ctx, scope.AllUnits, scope.Units, pastFrom, recentFrom, now, minRecent, minDecided)
	if err != nil {
		return nil, err
	}
	jump, points := int64(set[redress.WarnAgencyJumpPercent]), int64(set[redress.WarnSustainedPoints])
	var out []AgencyFlag
	for _, a := range windows {
		f := AgencyFlag{AgencyWindows: a, RecentFrom: recentFrom,
			PastAverage: float64(a.Past) * float64(recentDays) / float64(pastDays)}
		recent, past := int64(a.Recent), int64(a.Past)
		// recent ≥ past × recentDays/pastDays × (100+jump)/100, in whole numbers.
		f.CountJump = a.Recent >= minRecent && recent*pastDays*100 >= past*recentDays*(100+jump)
		rd, rs, pd, ps := int64(a.RecentDecided), int64(a.RecentSustained), int64(a.PastDecided), int64(a.PastSustained)
		if rd > 0 {
			f.RecentRate = 100 * float64(rs) / float64(rd)
		}
		if pd > 0 {
			f.PastRate = 100 * float64(ps) / float64(pd)
		}
		// rs/rd − ps/pd ≥ points/100 (a past with no decision counts as a share of 0).
		if a.RecentDecided >= minDecided && rd > 0 {
			if pd > 0 {
				f.SustainedJump = 100*rs*pd-100*ps*rd >= points*rd*pd
			} else {
				f.SustainedJump = 100*rs >= points*rd
			}
		}
		if f.CountJump || f.SustainedJump {
			out = append(out, f)
		}
	}
	return out, nil
}
