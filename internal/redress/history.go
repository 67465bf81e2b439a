package redress

import (
	"encoding/json"
	"slices"
	"time"
)

// MarshalJSON writes a sheet reference with its publication day, the way ICE dates it.
func (s SheetRef) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID       int64     `json:"id"`
		FileName string    `json:"file"`
		Kind     SheetKind `json:"kind"`
		AsOf     Date      `json:"as_of"`
	}{s.ID, s.FileName, s.Kind, DateOf(s.AsOf)})
}

// SheetRecord is an imported sheet as the registry keeps it.
type SheetRecord struct {
	ID         int64     `json:"id"`
	FileName   string    `json:"file"`
	Kind       SheetKind `json:"kind"`
	AsOf       Date      `json:"as_of"`
	SHA256     string    `json:"sha256"`
	Rows       int       `json:"rows"`
	Warnings   int       `json:"warnings"`
	ImportedAt time.Time `json:"imported_at"`
}

// Listing is what one imported sheet said of one agreement. A pending sheet carries no
// SIGNED, MOA or ADDENDUM, so its listings have them empty. Row is the spreadsheet row,
// 0 when the listing was carried over from a database older than listings.
type Listing struct {
	Sheet     SheetRef `json:"sheet"`
	Row       int      `json:"row,omitempty"`
	SignedRaw string   `json:"signed_raw"`
	SignedOn  Date     `json:"signed_on,omitzero"`
	MOAListed bool     `json:"moa_document_listed"`
	Addendum  bool     `json:"addendum"`
}

// AgreementHistory is an agreement with every sheet's listing of it, oldest first.
type AgreementHistory struct {
	Agreement Agreement `json:"agreement"`
	Listings  []Listing `json:"history"`
}

// HistoryFilter narrows the agreements whose sheets disagree: by state, by text in the
// agency's name, a page at a time.
type HistoryFilter struct {
	State  string
	Query  string
	Limit  int
	Offset int
}

// SortListings orders listings by publication, a participating sheet after a pending one
// of the same day (SheetRef.Compare).
func SortListings(ls []Listing) {
	slices.SortStableFunc(ls, func(a, b Listing) int { return a.Sheet.Compare(b.Sheet) })
}

// ListingOn is the listing in force on day d: that of the newest sheet published on or
// before d, or, when every sheet listing the agreement came later, the earliest one (the
// first word ICE gave). ls must be sorted (SortListings). It reports false for none.
func ListingOn(ls []Listing, d Date) (Listing, bool) {
	if len(ls) == 0 {
		return Listing{}, false
	}
	in := ls[0]
	for _, l := range ls[1:] {
		if DateOf(l.Sheet.AsOf).After(d) {
			break
		}
		in = l
	}
	return in, true
}

// On is the agreement as the sheet in force on day d listed it, so an incident is judged
// by what ICE published at the time, not by a later correction: its SIGNED, MOA and
// ADDENDUM, and pending when that sheet was the pending list. Sightings (first and last
// seen) and a no-longer-listed status stay the registry's, so InForceOn still stops an
// agreement after ICE's last listing. Without listings the agreement is returned as is.
func (a Agreement) On(ls []Listing, d Date) Agreement {
	l, ok := ListingOn(ls, d)
	if !ok {
		return a
	}
	a.Sheet = l.Sheet.FileName
	a.SignedRaw, a.SignedOn, a.MOAListed, a.Addendum = l.SignedRaw, l.SignedOn, l.MOAListed, l.Addendum
	switch {
	case l.Sheet.Kind == SheetPending:
		a.Status = StatusPending
	case a.Status == StatusPending:
		a.Status = StatusActive // participating then, pending again since
	}
	return a
}

// Changes lists what the participating sheets changed between them, each against the one
// before: SIGNED (the date, or the text when it is not a date), MOA and ADDENDUM. A
// reformatted but equal date is not a change, as in the merge.
func (h AgreementHistory) Changes() []FieldChange {
	var out []FieldChange
	var prev *Listing
	for i := range h.Listings {
		l := &h.Listings[i]
		if l.Sheet.Kind != SheetParticipating {
			continue
		}
		if prev != nil {
			out = append(out, listingDiff(*prev, *l)...)
		}
		prev = l
	}
	return out
}

// listingDiff: SIGNED counts as changed when the date did, or, for a cell that is not a
// date, when its text did: ICE re-formatting the same date ("05-08-25", "5/8/2025") is
// not news.
func listingDiff(old, cur Listing) []FieldChange {
	var out []FieldChange
	if old.SignedOn != cur.SignedOn {
		out = append(out, FieldChange{"signed_on", old.SignedOn.String(), cur.SignedOn.String()})
	}
	if old.SignedRaw != cur.SignedRaw && (old.SignedOn != cur.SignedOn || cur.SignedOn.IsZero()) {
		out = append(out, FieldChange{"signed_raw", old.SignedRaw, cur.SignedRaw})
	}
	if old.MOAListed != cur.MOAListed {
		out = append(out, FieldChange{"moa_document_listed", old.MOAListed, cur.MOAListed})
	}
	if old.Addendum != cur.Addendum {
		out = append(out, FieldChange{"addendum", old.Addendum, cur.Addendum})
	}
	return out
}

// Validate checks the filter, naming each bad value by its query parameter.
func (f HistoryFilter) Validate() error {
	var fe FieldErrors
	if f.State != "" {
		if _, ok := StateCode(f.State); !ok {
			fe.Add("state", "state")
		}
	}
	checkText(&fe, "q", f.Query, 200)
	if f.Offset < 0 {
		fe.Add("offset", "one_of", "0…")
	}
	return fe.Err()
}
