package redress

import (
	"strconv"
	"time"
)

// The early warning's thresholds (issue 15, point 6), kept by administrators in the
// warning_settings table, one row a setting. Each setting is a whole number within its
// range; WarningSettingDefs lists them in the order the settings page shows them.

// WarningSettingDef is one threshold: its name (the table's key and the form field),
// its default and its range.
type WarningSettingDef struct {
	Name     string
	Default  int
	Min, Max int
}

// The thresholds' names.
const (
	WarnOfficerMin        = "officer_min_complaints" // complaints naming one officer key in one agency
	WarnOfficerDays       = "officer_window_days"    // …received within this many days
	WarnAgencyRecentDays  = "agency_recent_days"     // the recent window of an agency's counts
	WarnAgencyPastDays    = "agency_past_days"       // the past it is compared with, before the recent window
	WarnAgencyMin         = "agency_min_complaints"  // complaints in the recent window before a jump counts
	WarnAgencyJumpPercent = "agency_jump_percent"    // recent count over the past's average per window, in percent more
	WarnSustainedMin      = "sustained_min_findings" // allegations with a finding in the recent window before a jump counts
	WarnSustainedPoints   = "sustained_jump_points"  // rise of the sustained share, in percentage points
	WarnCustodyHours      = "custody_hours"          // open held-past-release complaints older than this
	WarnUrgentHours       = "urgent_hours"           // open urgent unassigned complaints older than this
)

// WarningSettingDefs lists every threshold with its default and range.
var WarningSettingDefs = []WarningSettingDef{
	{WarnOfficerMin, 3, 2, 100},
	{WarnOfficerDays, 365, 7, 1095},
	{WarnAgencyRecentDays, 90, 7, 365},
	{WarnAgencyPastDays, 365, 30, 1095},
	{WarnAgencyMin, 10, 1, 10000},
	{WarnAgencyJumpPercent, 50, 1, 1000},
	{WarnSustainedMin, 10, 1, 10000},
	{WarnSustainedPoints, 15, 1, 100},
	{WarnCustodyHours, 48, 0, 8760},
	{WarnUrgentHours, 24, 0, 8760},
}

// WarningSettings are the thresholds in force, by name.
type WarningSettings map[string]int

// DefaultWarningSettings are the thresholds of a new installation.
func DefaultWarningSettings() WarningSettings {
	out := WarningSettings{}
	for _, d := range WarningSettingDefs {
		out[d.Name] = d.Default
	}
	return out
}

// Days gives a threshold counted in days as a duration.
func (w WarningSettings) Days(name string) time.Duration {
	return time.Duration(w[name]) * 24 * time.Hour
}

// Hours gives a threshold counted in hours as a duration.
func (w WarningSettings) Hours(name string) time.Duration {
	return time.Duration(w[name]) * time.Hour
}

// ParseWarningSettings reads the settings form: every threshold, as typed. A value
// that is not a whole number within its range is a field error (rule "range", its
// parameter "min–max"); nothing is kept then.
func ParseWarningSettings(get func(name string) string) (WarningSettings, error) {
	out := WarningSettings{}
	var fe FieldErrors
	for _, d := range WarningSettingDefs {
		n, err := strconv.Atoi(get(d.Name))
		if err != nil || n < d.Min || n > d.Max {
			fe.Add(d.Name, "range", strconv.Itoa(d.Min)+"–"+strconv.Itoa(d.Max))
			continue
		}
		out[d.Name] = n
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// WarningCase is a complaint behind a flag: enough to name and open it.
type WarningCase struct {
	ID             int64     `json:"id"`
	TrackingNumber string    `json:"tracking_number"`
	ReceivedAt     time.Time `json:"received_at"`
	AgencyID       int64     `json:"agency_id,omitempty"`
	Unit           string    `json:"unit"`
}

// OfficerGroup is one officer key of one agency and the complaints naming it in the
// window, newest first.
type OfficerGroup struct {
	AgencyID int64
	Key      string
	Count    int
	Cases    []WarningCase
}

// AgencyWindows are one agency's counts in the recent window and in the past before it:
// complaints received, and allegations decided (with any finding) and sustained among
// the complaints closed in each.
type AgencyWindows struct {
	AgencyID                       int64
	Recent, Past                   int
	RecentDecided, RecentSustained int
	PastDecided, PastSustained     int
}
