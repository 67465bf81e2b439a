package redress

import (
	"strings"
	"time"
)

// Model is one of the three 287(g) agreement models.
type Model string

const (
	ModelJEM Model = "JEM" // Jail Enforcement Model
	ModelWSO Model = "WSO" // Warrant Service Officer
	ModelTFM Model = "TFM" // Task Force Model
)

var Models = []Model{ModelJEM, ModelWSO, ModelTFM}

// ParseModel accepts the code or ICE's spelled-out "SUPPORT TYPE".
func ParseModel(s string) (Model, bool) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "jem", "jail enforcement model", "jail enforcement":
		return ModelJEM, true
	case "wso", "warrant service officer", "warrant service officer model":
		return ModelWSO, true
	case "tfm", "task force model", "task force":
		return ModelTFM, true
	}
	return "", false
}

// AgreementStatus is where an agreement stands in ICE's published lists.
type AgreementStatus string

const (
	// StatusPending: listed on ICE's pending-agencies sheet, not yet participating.
	StatusPending AgreementStatus = "pending"
	// StatusActive: listed on the newest participating-agencies sheet.
	StatusActive AgreementStatus = "active"
	// StatusNoLongerListed: seen before, missing from the newest sheets. Never deleted,
	// because complaints about conduct under it may still come in.
	StatusNoLongerListed AgreementStatus = "no_longer_listed"
)

// Agency is a law enforcement agency that holds, or asked for, a 287(g) agreement.
type Agency struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	County string `json:"county,omitempty"`
}

// Agreement is one MOA: one agency, one model.
type Agreement struct {
	ID       int64           `json:"id"`
	AgencyID int64           `json:"agency_id"`
	Model    Model           `json:"model"`
	Status   AgreementStatus `json:"status"`
	// SignedRaw is the SIGNED cell as ICE published it; SignedOn is empty when it could
	// not be read as a date (ICE has published "7/72025").
	SignedRaw string `json:"signed_raw,omitempty"`
	SignedOn  Date   `json:"signed_on,omitzero"`
	MOAListed bool   `json:"moa_document_listed"`
	Addendum  bool   `json:"addendum"`
	FirstSeen Date   `json:"first_seen"`
	LastSeen  Date   `json:"last_seen"`
	Sheet     string `json:"sheet"`
	// Agency is filled in by queries that join it.
	Agency *Agency `json:"agency,omitempty"`
}

// InForceOn reports whether the agreement can have covered conduct on day d: signed on or
// before d and, if ICE stopped listing it, last listed on or after d. Pending agreements
// and those with an unreadable signing date never count, so we never guess.
func (a Agreement) InForceOn(d Date) bool {
	if a.Status == StatusPending || a.SignedOn.IsZero() || a.SignedOn.After(d) {
		return false
	}
	if a.Status == StatusNoLongerListed && a.LastSeen.Before(d) {
		return false
	}
	return true
}

// MayBeInForceOn is InForceOn, except that an agreement whose signing date could not be
// read may have been in force (unless it is pending or was last listed before d): the
// date is unknown, not absent.
func (a Agreement) MayBeInForceOn(d Date) bool {
	if a.Status != StatusPending && a.SignedOn.IsZero() {
		return !(a.Status == StatusNoLongerListed && a.LastSeen.Before(d))
	}
	return a.InForceOn(d)
}

// SheetKind tells ICE's two published lists apart.
type SheetKind string

const (
	SheetParticipating SheetKind = "participating"
	SheetPending       SheetKind = "pending"
)

// Sheet is one of ICE's published spreadsheets, read into rows.
type Sheet struct {
	FileName string
	Kind     SheetKind
	// AsOf is when ICE published the sheet, from its file name or given by the operator.
	AsOf     time.Time
	SHA256   string
	Rows     []SheetRow
	Warnings []SheetWarning
}

// SheetRow is one agreement as listed, already cleaned: names trimmed, state coded.
type SheetRow struct {
	Row        int // 1-based row number in the spreadsheet, for warnings
	State      string
	AgencyName string
	AgencyType string
	County     string // empty when ICE wrote #N/A
	CountyRaw  string // the COUNTY cell as given when it could not be read, else empty
	Model      Model
	SignedRaw  string
	SignedOn   Date
	MOAListed  bool
	Addendum   bool
}

// SheetWarning is a cell we kept but could not fully read.
type SheetWarning struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Raw     string `json:"raw"`
	Message string `json:"message"`
}

// ImportSummary counts what one sheet import did to the registry.
type ImportSummary struct {
	FileName       string    `json:"file"`
	Kind           SheetKind `json:"kind"`
	AsOf           Date      `json:"as_of"`
	Rows           int       `json:"rows"`
	Added          int       `json:"added"`
	Updated        int       `json:"updated"`
	Unchanged      int       `json:"unchanged"`
	NoLongerListed int       `json:"no_longer_listed"`
	Warnings       int       `json:"warnings"`
	// AgenciesUpdated counts agencies whose name, type or county the sheet changed.
	AgenciesUpdated int `json:"agencies_updated"`
	// AlreadyImported is set when the same file (by SHA-256) was imported before.
	AlreadyImported bool `json:"already_imported,omitempty"`
}

// AgencyKey is how an agency is recognised across sheets: ICE's names vary in case,
// spacing, trailing blanks and apostrophes (its June 2025 sheet lists "Calhoun County
// Sheriff’s Office" and "Calhoun County Sheriff's Office" for one Texas agency).
func AgencyKey(state, name string) string {
	return state + "|" + apostrophes.Replace(strings.ToLower(strings.Join(strings.Fields(name), " ")))
}

var apostrophes = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u02bc", "'", "`", "'")
