package redress

import (
	"fmt"
	"time"
)

// SheetRef names an imported sheet: the registry keeps, for each agency and agreement,
// the sheet its current values came from.
type SheetRef struct {
	ID       int64
	FileName string
	Kind     SheetKind
	AsOf     time.Time
}

// Compare orders sheets by publication time. On the same time a participating sheet
// outranks a pending one, because it is ICE's word on what is in force.
func (s SheetRef) Compare(o SheetRef) int {
	if c := s.AsOf.Compare(o.AsOf); c != 0 {
		return c
	}
	return kindRank(s.Kind) - kindRank(o.Kind)
}

func kindRank(k SheetKind) int {
	if k == SheetParticipating {
		return 1
	}
	return 0
}

// RegistryAgency is an agency with what the merge needs to place later sheets.
type RegistryAgency struct {
	Agency
	CountyRaw string   // the COUNTY cell when it named no county (#N/A), else empty
	Source    SheetRef // the highest-ranked sheet that listed the agency
}

// RegistryAgreement is an agreement with the sightings its status is derived from.
type RegistryAgreement struct {
	Agreement
	AgencyKey string
	// ParticipatingAsOf and PendingAsOf are the newest sheet of each list that listed the
	// agreement; zero when none did. SIGNED, MOA and ADDENDUM come from the participating one.
	ParticipatingAsOf time.Time
	PendingAsOf       time.Time
	Source            SheetRef // the highest-ranked sheet that listed it ("which sheet")
}

// Key identifies an agreement across sheets: one agency, one model.
func (a RegistryAgreement) Key() string { return a.AgencyKey + "|" + string(a.Model) }

// Registry is the registry as one import finds it.
type Registry struct {
	Agencies   []RegistryAgency
	Agreements []RegistryAgreement
	// NewestParticipating and NewestPending are the as-of of the newest sheet of each
	// list imported so far; zero when none.
	NewestParticipating time.Time
	NewestPending       time.Time
}

// FieldChange is one value a sheet changed, for the audit trail.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// AgencyChange is an agency to insert (Old nil) or to rewrite. Changes is empty when only
// its source sheet moved, which the audit trail does not need to hear about.
type AgencyChange struct {
	Old     *RegistryAgency
	New     RegistryAgency
	Changes []FieldChange
}

// AgreementChange is an agreement to insert or rewrite. Action is the audit action
// (ActionAgreementAdded, …Updated, …Dropped), or "" when only its sightings moved.
type AgreementChange struct {
	Action  string
	Old     *RegistryAgreement
	New     RegistryAgreement
	Changes []FieldChange
}

// MergeResult is what one sheet does to the registry: the rows to write and the counts.
type MergeResult struct {
	Summary    ImportSummary
	Agencies   []AgencyChange
	Agreements []AgreementChange
}

// MergeSheet merges one sheet into the registry. It never deletes: an agreement missing
// from the newest sheets becomes no_longer_listed, since complaints about conduct under
// it may still come in.
//
// Every value comes from the newest sheet that carries it and every status is derived
// from the newest sheet of each list, so merging is idempotent, an older sheet never
// overrides newer knowledge, and sheets of the same day give the same registry in
// either order.
func MergeSheet(reg Registry, sheet Sheet, sheetID int64) MergeResult {
	ref := SheetRef{ID: sheetID, FileName: sheet.FileName, Kind: sheet.Kind, AsOf: sheet.AsOf}
	m := newMerger(reg, ref)
	for _, view := range sheetAgencies(sheet.Rows) {
		m.mergeAgency(view)
	}
	for _, row := range sheet.Rows {
		m.mergeRow(row)
	}
	newestP, newestQ := reg.NewestParticipating, reg.NewestPending
	if ref.Kind == SheetParticipating && ref.AsOf.After(newestP) {
		newestP = ref.AsOf
	} else if ref.Kind == SheetPending && ref.AsOf.After(newestQ) {
		newestQ = ref.AsOf
	}
	return m.result(sheet, newestP, newestQ)
}

type agencyState struct {
	old *RegistryAgency
	cur RegistryAgency
}

type agreementState struct {
	old     *RegistryAgreement
	cur     RegistryAgreement
	inSheet bool
}

type merger struct {
	ref            SheetRef
	agencies       map[string]*agencyState
	agencyOrder    []string
	agreements     map[string]*agreementState
	agreementOrder []string
}

func newMerger(reg Registry, ref SheetRef) *merger {
	m := &merger{ref: ref, agencies: map[string]*agencyState{}, agreements: map[string]*agreementState{}}
	for i := range reg.Agencies {
		a := &reg.Agencies[i]
		key := AgencyKey(a.State, a.Name)
		m.agencies[key] = &agencyState{old: a, cur: *a}
		m.agencyOrder = append(m.agencyOrder, key)
	}
	for i := range reg.Agreements {
		a := &reg.Agreements[i]
		m.agreements[a.Key()] = &agreementState{old: a, cur: *a}
		m.agreementOrder = append(m.agreementOrder, a.Key())
	}
	return m
}

// sheetAgencies reads each agency once from a sheet's rows. An agency has a row per
// model; its county is taken from the first row that names one, because ICE leaves
// #N/A on some of the rows of an agency whose other rows are fine.
func sheetAgencies(rows []SheetRow) []RegistryAgency {
	var order []string
	byKey := map[string]*RegistryAgency{}
	for _, r := range rows {
		key := AgencyKey(r.State, r.AgencyName)
		a, ok := byKey[key]
		if !ok {
			a = &RegistryAgency{Agency: Agency{State: r.State, Name: r.AgencyName, Type: r.AgencyType,
				County: r.County}, CountyRaw: r.CountyRaw}
			byKey[key] = a
			order = append(order, key)
			continue
		}
		if a.Type == "" {
			a.Type = r.AgencyType
		}
		if a.County == "" && r.County != "" {
			a.County, a.CountyRaw = r.County, ""
		}
	}
	out := make([]RegistryAgency, len(order))
	for i, key := range order {
		out[i] = *byKey[key]
	}
	return out
}

// mergeAgency takes an agency's values from this sheet unless a higher-ranked sheet
// already gave them.
func (m *merger) mergeAgency(view RegistryAgency) {
	key := AgencyKey(view.State, view.Name)
	st, ok := m.agencies[key]
	if !ok {
		st = &agencyState{}
		m.agencies[key] = st
		m.agencyOrder = append(m.agencyOrder, key)
	}
	if st.old != nil && m.ref.Compare(st.cur.Source) < 0 {
		return
	}
	id := st.cur.ID
	st.cur = view
	st.cur.ID = id
	st.cur.Source = m.ref
}

// mergeRow records that this sheet lists the row's agreement and takes the values the
// sheet is the newest source of.
func (m *merger) mergeRow(r SheetRow) {
	key := AgencyKey(r.State, r.AgencyName)
	akey := key + "|" + string(r.Model)
	st, ok := m.agreements[akey]
	if !ok {
		st = &agreementState{cur: RegistryAgreement{AgencyKey: key, Agreement: Agreement{Model: r.Model}}}
		m.agreements[akey] = st
		m.agreementOrder = append(m.agreementOrder, akey)
	}
	if st.inSheet {
		return // a repeated row: the reader warned about it and the first one counts
	}
	st.inSheet = true
	a := &st.cur
	a.AgencyID = m.agencies[key].cur.ID
	if m.ref.Kind == SheetParticipating && !m.ref.AsOf.Before(a.ParticipatingAsOf) {
		// Only participating sheets carry SIGNED, MOA and ADDENDUM.
		a.SignedRaw, a.SignedOn, a.MOAListed, a.Addendum = r.SignedRaw, r.SignedOn, r.MOAListed, r.Addendum
	}
	m.sight(a)
}

// sight moves the agreement's sighting dates to include this sheet.
func (m *merger) sight(a *RegistryAgreement) {
	d := DateOf(m.ref.AsOf)
	if a.FirstSeen.IsZero() || d.Before(a.FirstSeen) {
		a.FirstSeen = d
	}
	if d.After(a.LastSeen) {
		a.LastSeen = d
	}
	switch m.ref.Kind {
	case SheetParticipating:
		if m.ref.AsOf.After(a.ParticipatingAsOf) {
			a.ParticipatingAsOf = m.ref.AsOf
		}
	case SheetPending:
		if m.ref.AsOf.After(a.PendingAsOf) {
			a.PendingAsOf = m.ref.AsOf
		}
	}
	if m.ref.Compare(a.Source) >= 0 {
		a.Source = m.ref
	}
	a.Sheet = a.Source.FileName
}

// DeriveStatus places an agreement from its sightings and the newest sheet of each list:
// listed on the newest participating sheet is active; else listed on the newest pending
// sheet, later than any participating sighting, is pending; else no longer listed.
func DeriveStatus(a RegistryAgreement, newestParticipating, newestPending time.Time) AgreementStatus {
	switch {
	case !a.ParticipatingAsOf.IsZero() && a.ParticipatingAsOf.Equal(newestParticipating):
		return StatusActive
	case !a.PendingAsOf.IsZero() && a.PendingAsOf.Equal(newestPending) && a.PendingAsOf.After(a.ParticipatingAsOf):
		return StatusPending
	}
	return StatusNoLongerListed
}

func (m *merger) result(sheet Sheet, newestP, newestQ time.Time) MergeResult {
	res := MergeResult{Summary: ImportSummary{FileName: sheet.FileName, Kind: sheet.Kind,
		AsOf: DateOf(sheet.AsOf), Rows: len(sheet.Rows), Warnings: len(sheet.Warnings)}}
	for _, key := range m.agencyOrder {
		st := m.agencies[key]
		if c, ok := agencyChange(st.old, st.cur); ok {
			res.Agencies = append(res.Agencies, c)
			if len(c.Changes) > 0 {
				res.Summary.AgenciesUpdated++
			}
		}
	}
	for _, key := range m.agreementOrder {
		st := m.agreements[key]
		st.cur.Status = DeriveStatus(st.cur, newestP, newestQ)
		c, write := agreementChange(st.old, st.cur)
		if write {
			res.Agreements = append(res.Agreements, c)
		}
		res.Summary.count(c.Action, st.inSheet)
	}
	return res
}

func (s *ImportSummary) count(action string, inSheet bool) {
	switch action {
	case ActionAgreementAdded:
		s.Added++
	case ActionAgreementUpdated:
		s.Updated++
	case ActionAgreementDropped:
		s.NoLongerListed++
	default:
		if inSheet {
			s.Unchanged++
		}
	}
}

// agencyChange reports whether the agency must be written and what the audit trail
// should hear: nothing when only its source sheet moved.
func agencyChange(old *RegistryAgency, cur RegistryAgency) (AgencyChange, bool) {
	c := AgencyChange{Old: old, New: cur}
	if old == nil {
		return c, true
	}
	c.Changes = diffAgency(*old, cur)
	write := len(c.Changes) > 0 || old.CountyRaw != cur.CountyRaw || old.Source.ID != cur.Source.ID
	return c, write
}

func diffAgency(old, cur RegistryAgency) []FieldChange {
	var out []FieldChange
	add := func(field, o, n string) {
		if o != n {
			out = append(out, FieldChange{field, o, n})
		}
	}
	add("name", old.Name, cur.Name)
	add("type", old.Type, cur.Type)
	add("county", old.County, cur.County)
	return out
}

// agreementChange classifies an agreement after the merge and reports whether it must be
// written. A move of sighting dates or source sheet is written but is not a change.
func agreementChange(old *RegistryAgreement, cur RegistryAgreement) (AgreementChange, bool) {
	c := AgreementChange{Old: old, New: cur}
	if old == nil {
		c.Action = ActionAgreementAdded
		return c, true
	}
	c.Changes = diffAgreement(*old, cur)
	switch {
	case len(c.Changes) == 0:
		return c, !sameSightings(*old, cur) || old.SignedRaw != cur.SignedRaw
	case cur.Status == StatusNoLongerListed && old.Status != StatusNoLongerListed:
		c.Action = ActionAgreementDropped
	default:
		c.Action = ActionAgreementUpdated
	}
	return c, true
}

// diffAgreement lists what changed in substance: the status, and SIGNED, MOA and
// ADDENDUM as between two sheets' listings (listingDiff).
func diffAgreement(old, cur RegistryAgreement) []FieldChange {
	var out []FieldChange
	if old.Status != cur.Status {
		out = append(out, FieldChange{"status", string(old.Status), string(cur.Status)})
	}
	return append(out, listingDiff(old.listing(), cur.listing())...)
}

func (a RegistryAgreement) listing() Listing {
	return Listing{SignedRaw: a.SignedRaw, SignedOn: a.SignedOn, MOAListed: a.MOAListed, Addendum: a.Addendum}
}

func sameSightings(a, b RegistryAgreement) bool {
	return a.FirstSeen == b.FirstSeen && a.LastSeen == b.LastSeen &&
		a.ParticipatingAsOf.Equal(b.ParticipatingAsOf) && a.PendingAsOf.Equal(b.PendingAsOf) &&
		a.Source.ID == b.Source.ID
}

// Validate refuses a sheet the registry cannot store: the reader never produces one, but
// sheets can also be built by hand (tests, future upload forms).
func (s Sheet) Validate() error {
	switch {
	case s.Kind != SheetParticipating && s.Kind != SheetPending:
		return Errorf(EINVALID, "%s: unknown kind of sheet %q.", s.FileName, s.Kind)
	case s.AsOf.IsZero():
		return Errorf(EINVALID, "%s: the sheet has no publication date.", s.FileName)
	case s.SHA256 == "":
		return Errorf(EINVALID, "%s: the sheet has no checksum.", s.FileName)
	}
	for _, r := range s.Rows {
		if err := r.validate(); err != nil {
			return Errorf(EINVALID, "%s: row %d: %s.", s.FileName, r.Row, err)
		}
	}
	return nil
}

func (r SheetRow) validate() error {
	if StateName(r.State) == r.State {
		return fmt.Errorf("unknown state %q", r.State)
	}
	if r.AgencyName == "" {
		return fmt.Errorf("no agency name")
	}
	if _, ok := ParseModel(string(r.Model)); !ok {
		return fmt.Errorf("unknown model %q", r.Model)
	}
	return nil
}
