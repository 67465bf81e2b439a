package redress

import (
	"testing"
	"time"
)

func TestAgreementOn(t *testing.T) {
	at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }
	day := func(m time.Month, d int) Date { return Date{Year: 2025, Month: m, Day: d} }
	pendingMay := Listing{Sheet: SheetRef{ID: 1, FileName: "pending-may", Kind: SheetPending, AsOf: at(5, 1)}}
	june := Listing{Sheet: SheetRef{ID: 2, FileName: "june", Kind: SheetParticipating, AsOf: at(6, 17)},
		SignedRaw: "05-13-25", SignedOn: day(5, 13)}
	pendingJuly := Listing{Sheet: SheetRef{ID: 3, FileName: "pending-july", Kind: SheetPending, AsOf: at(7, 18)}}
	july := Listing{Sheet: SheetRef{ID: 4, FileName: "july", Kind: SheetParticipating, AsOf: at(7, 18)},
		SignedRaw: "04-14-25", SignedOn: day(4, 14), MOAListed: true}
	ls := []Listing{july, pendingJuly, june, pendingMay}
	SortListings(ls)
	if ls[0].Sheet.ID != 1 || ls[1].Sheet.ID != 2 || ls[2].Sheet.ID != 3 || ls[3].Sheet.ID != 4 {
		t.Fatalf("sorted = %+v: want by date, pending before participating on one day", ls)
	}
	now := Agreement{ID: 9, Model: ModelTFM, Status: StatusActive, SignedRaw: "04-14-25", SignedOn: day(4, 14),
		MOAListed: true, LastSeen: day(7, 18), Sheet: "july"}
	for _, c := range []struct {
		on     Date
		sheet  string
		status AgreementStatus
		signed Date
	}{
		{day(4, 1), "pending-may", StatusPending, Date{}}, // before any sheet: the first
		{day(5, 20), "pending-may", StatusPending, Date{}},
		{day(6, 17), "june", StatusActive, day(5, 13)},
		{day(7, 17), "june", StatusActive, day(5, 13)},
		{day(7, 18), "july", StatusActive, day(4, 14)}, // participating outranks pending
		{day(9, 1), "july", StatusActive, day(4, 14)},
	} {
		got := now.On(ls, c.on)
		if got.Sheet != c.sheet || got.Status != c.status || got.SignedOn != c.signed || got.ID != 9 {
			t.Errorf("On(%s) = %+v, want %s %s signed %s", c.on, got, c.sheet, c.status, c.signed)
		}
	}
	if got := now.On(nil, day(6, 1)); got != now {
		t.Errorf("without listings = %+v, want the agreement unchanged", got)
	}
	// Pending now, participating in June: on a June day it was in force.
	pend := now
	pend.Status = StatusPending
	if got := pend.On([]Listing{june}, day(7, 1)); got.Status != StatusActive || !got.InForceOn(day(7, 1)) {
		t.Errorf("pending now, participating then = %+v", got)
	}
	// No longer listed stays so: InForceOn still ends it at its last sighting.
	gone := now
	gone.Status, gone.LastSeen = StatusNoLongerListed, day(6, 17)
	if got := gone.On([]Listing{june}, day(7, 1)); got.Status != StatusNoLongerListed || got.InForceOn(day(7, 1)) {
		t.Errorf("no longer listed = %+v", got)
	}
}

func TestHistoryChanges(t *testing.T) {
	day := func(m time.Month, d int) Date { return Date{Year: 2025, Month: m, Day: d} }
	p := func(id int64, raw string, on Date, moa bool) Listing {
		return Listing{Sheet: SheetRef{ID: id, Kind: SheetParticipating, AsOf: time.Date(2025, 6, int(id), 0, 0, 0, 0, time.UTC)},
			SignedRaw: raw, SignedOn: on, MOAListed: moa}
	}
	pending := Listing{Sheet: SheetRef{ID: 2, Kind: SheetPending, AsOf: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}}
	same := AgreementHistory{Listings: []Listing{p(1, "05-08-25", day(5, 8), false), pending, p(3, "5/8/2025", day(5, 8), false)}}
	if c := same.Changes(); len(c) != 0 {
		t.Errorf("reformatted date and a pending listing = %+v, want no change", c)
	}
	moved := AgreementHistory{Listings: []Listing{p(1, "05-13-25", day(5, 13), false), p(3, "04-14-25", day(4, 14), true)}}
	if c := moved.Changes(); len(c) != 3 || c[0].Field != "signed_on" || c[0].Old != "2025-05-13" || c[1].Field != "signed_raw" || c[2].Field != "moa_document_listed" {
		t.Errorf("changes = %+v", c)
	}
}
