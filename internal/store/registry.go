package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type sheetRow struct {
	bun.BaseModel `bun:"table:registry_sheets,alias:sheet"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Kind          string    `bun:"kind"`
	FileName      string    `bun:"file_name"`
	AsOf          time.Time `bun:"as_of"`
	SHA256        string    `bun:"sha256"`
	ImportedAt    time.Time `bun:"imported_at"`
	RowCount      int       `bun:"row_count"`
	Warnings      string    `bun:"warnings"`
}

func (r sheetRow) ref() redress.SheetRef {
	return redress.SheetRef{ID: r.ID, FileName: r.FileName, Kind: redress.SheetKind(r.Kind), AsOf: r.AsOf.UTC()}
}

type agencyRow struct {
	bun.BaseModel `bun:"table:agencies,alias:agency"`
	ID            int64  `bun:"id,pk,autoincrement"`
	State         string `bun:"state"`
	Name          string `bun:"name"`
	NameKey       string `bun:"name_key"`
	Type          string `bun:"type"`
	County        string `bun:"county"`
	CountyRaw     string `bun:"county_raw"`
	SourceSheetID int64  `bun:"source_sheet_id"`
}

func (r agencyRow) agency() redress.Agency {
	return redress.Agency{ID: r.ID, State: r.State, Name: r.Name, Type: r.Type, County: r.County}
}

type agreementRow struct {
	bun.BaseModel     `bun:"table:agreements,alias:agreement"`
	ID                int64        `bun:"id,pk,autoincrement"`
	AgencyID          int64        `bun:"agency_id"`
	Model             string       `bun:"model"`
	Status            string       `bun:"status"`
	SignedRaw         string       `bun:"signed_raw"`
	SignedOn          redress.Date `bun:"signed_on"`
	MOAListed         bool         `bun:"moa_listed"`
	Addendum          bool         `bun:"addendum"`
	FirstSeen         redress.Date `bun:"first_seen"`
	LastSeen          redress.Date `bun:"last_seen"`
	ParticipatingAsOf time.Time    `bun:"participating_as_of,nullzero"`
	PendingAsOf       time.Time    `bun:"pending_as_of,nullzero"`
	SourceSheetID     int64        `bun:"source_sheet_id"`

	Agency *agencyRow `bun:"rel:belongs-to,join:agency_id=id"`
	Sheet  *sheetRow  `bun:"rel:belongs-to,join:source_sheet_id=id"`
}

func (r agreementRow) agreement() redress.Agreement {
	a := redress.Agreement{
		ID: r.ID, AgencyID: r.AgencyID, Model: redress.Model(r.Model), Status: redress.AgreementStatus(r.Status),
		SignedRaw: r.SignedRaw, SignedOn: r.SignedOn, MOAListed: r.MOAListed, Addendum: r.Addendum,
		FirstSeen: r.FirstSeen, LastSeen: r.LastSeen,
	}
	if r.Sheet != nil {
		a.Sheet = r.Sheet.FileName
	}
	if r.Agency != nil {
		ag := r.Agency.agency()
		a.Agency = &ag
	}
	return a
}

func newAgreementRow(a redress.RegistryAgreement) agreementRow {
	return agreementRow{
		ID: a.ID, AgencyID: a.AgencyID, Model: string(a.Model), Status: string(a.Status),
		SignedRaw: a.SignedRaw, SignedOn: a.SignedOn, MOAListed: a.MOAListed, Addendum: a.Addendum,
		FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, ParticipatingAsOf: a.ParticipatingAsOf,
		PendingAsOf: a.PendingAsOf, SourceSheetID: a.Source.ID,
	}
}

func newAgencyRow(a redress.RegistryAgency) agencyRow {
	return agencyRow{
		ID: a.ID, State: a.State, Name: a.Name, NameKey: redress.AgencyKey(a.State, a.Name),
		Type: a.Type, County: a.County, CountyRaw: a.CountyRaw, SourceSheetID: a.Source.ID,
	}
}

// registryLockID serialises imports on PostgreSQL: each merges against the whole
// registry it read, so two at once would overwrite each other. SQLite's immediate
// transactions already take turns.
const registryLockID = 287_0002

// batchSize keeps each multi-row INSERT well under both databases' parameter limits.
const batchSize = 200

// ApplySheet merges one of ICE's sheets into the registry in one transaction: the sheet
// record, every agency and agreement it changes, what the sheet said of each agreement it
// lists (agreement_listings, the registry's history), and the audit events (one for the
// import, one per changed agency or agreement), written by actor. The same file twice
// (by SHA-256) adds no sheet and changes nothing but its listings, rewritten from the
// file (which restores those of a database older than listings).
func (db *DB) ApplySheet(ctx context.Context, sheet redress.Sheet, actor, requestID string) (redress.ImportSummary, error) {
	if err := sheet.Validate(); err != nil {
		return redress.ImportSummary{}, err
	}
	var summary redress.ImportSummary
	defer db.filingChanged()
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if db.Dialect == PostgreSQL {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", registryLockID); err != nil {
				return err
			}
		}
		ref, already, err := upsertSheet(ctx, tx, now, sheet)
		if err != nil {
			return err
		}
		// A file seen before keeps the name and date it was first imported under.
		sheet.FileName, sheet.AsOf = ref.FileName, ref.AsOf
		reg, err := loadRegistry(ctx, tx)
		if err != nil {
			return err
		}
		res := redress.MergeSheet(reg, sheet, ref.ID)
		res.Summary.AlreadyImported = already
		if err := writeMerge(ctx, tx, &res); err != nil {
			return err
		}
		if err := writeListings(ctx, tx, sheet, ref.ID, reg, res); err != nil {
			return err
		}
		summary = res.Summary
		events := registryAudit(reg, res, ref, sheet.SHA256)
		for i := range events {
			events[i].Actor, events[i].RequestID = actor, requestID
		}
		return insertAudit(ctx, tx, now, events...)
	})
	if err != nil {
		return redress.ImportSummary{}, err
	}
	return summary, nil
}

// upsertSheet returns the sheet's record, creating it unless the same file was imported
// before. The same bytes under another date is refused: one publication has one date.
func upsertSheet(ctx context.Context, tx bun.Tx, now time.Time, sheet redress.Sheet) (redress.SheetRef, bool, error) {
	var old sheetRow
	err := tx.NewSelect().Model(&old).Where("sha256 = ?", sheet.SHA256).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return redress.SheetRef{}, false, err
	default:
		if redress.DateOf(old.AsOf.UTC()) != redress.DateOf(sheet.AsOf) || old.Kind != string(sheet.Kind) {
			return redress.SheetRef{}, false, redress.Errorf(redress.ECONFLICT,
				"%s is the same file as %s, imported before as the %s sheet of %s; it cannot also be the %s sheet of %s.",
				sheet.FileName, old.FileName, old.Kind, redress.DateOf(old.AsOf.UTC()), sheet.Kind, redress.DateOf(sheet.AsOf))
		}
		return old.ref(), true, nil
	}
	warnings, err := json.Marshal(sheet.Warnings)
	if err != nil {
		return redress.SheetRef{}, false, err
	}
	if sheet.Warnings == nil {
		warnings = []byte("[]")
	}
	row := sheetRow{Kind: string(sheet.Kind), FileName: sheet.FileName, AsOf: sheet.AsOf.UTC(),
		SHA256: sheet.SHA256, ImportedAt: now, RowCount: len(sheet.Rows), Warnings: string(warnings)}
	if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return redress.SheetRef{}, false, err
	}
	return row.ref(), false, nil
}

// loadRegistry reads the whole registry: a few thousand rows at most, and the merge
// needs all of them to tell which agreements a sheet no longer lists.
func loadRegistry(ctx context.Context, tx bun.Tx) (redress.Registry, error) {
	var reg redress.Registry
	var sheets []sheetRow
	if err := tx.NewSelect().Model(&sheets).Column("id", "kind", "file_name", "as_of").Scan(ctx); err != nil {
		return reg, err
	}
	refs := map[int64]redress.SheetRef{}
	for _, s := range sheets {
		ref := s.ref()
		refs[s.ID] = ref
		newest := &reg.NewestPending
		if ref.Kind == redress.SheetParticipating {
			newest = &reg.NewestParticipating
		}
		if ref.AsOf.After(*newest) {
			*newest = ref.AsOf
		}
	}
	var agencies []agencyRow
	if err := tx.NewSelect().Model(&agencies).Order("id").Scan(ctx); err != nil {
		return reg, err
	}
	keys := map[int64]string{}
	for _, a := range agencies {
		keys[a.ID] = redress.AgencyKey(a.State, a.Name)
		reg.Agencies = append(reg.Agencies, redress.RegistryAgency{
			Agency: a.agency(), CountyRaw: a.CountyRaw, Source: refs[a.SourceSheetID]})
	}
	var agreements []agreementRow
	if err := tx.NewSelect().Model(&agreements).Order("id").Scan(ctx); err != nil {
		return reg, err
	}
	for _, r := range agreements {
		a := redress.RegistryAgreement{Agreement: r.agreement(), AgencyKey: keys[r.AgencyID],
			ParticipatingAsOf: r.ParticipatingAsOf.UTC(), PendingAsOf: r.PendingAsOf.UTC(),
			Source: refs[r.SourceSheetID]}
		a.Sheet = a.Source.FileName
		reg.Agreements = append(reg.Agreements, a)
	}
	return reg, nil
}

// writeMerge stores what the merge changed, filling in the ids of new rows so the audit
// events can name them.
func writeMerge(ctx context.Context, tx bun.Tx, res *redress.MergeResult) error {
	newAgencyIDs := map[string]int64{}
	var inserts []agencyRow
	for _, c := range res.Agencies {
		row := newAgencyRow(c.New)
		if c.Old == nil {
			inserts = append(inserts, row)
		} else if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	if err := insertBatches(ctx, tx, inserts); err != nil {
		return err
	}
	for _, r := range inserts {
		newAgencyIDs[r.NameKey] = r.ID
	}
	for i := range res.Agencies {
		if c := &res.Agencies[i]; c.Old == nil {
			c.New.ID = newAgencyIDs[redress.AgencyKey(c.New.State, c.New.Name)]
		}
	}
	return writeAgreements(ctx, tx, res.Agreements, newAgencyIDs)
}

func writeAgreements(ctx context.Context, tx bun.Tx, changes []redress.AgreementChange, newAgencyIDs map[string]int64) error {
	var inserts []agreementRow
	var added []*redress.AgreementChange
	for i := range changes {
		c := &changes[i]
		if c.New.AgencyID == 0 {
			c.New.AgencyID = newAgencyIDs[c.New.AgencyKey]
		}
		row := newAgreementRow(c.New)
		if c.Old == nil {
			inserts = append(inserts, row)
			added = append(added, c)
		} else if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	if err := insertBatches(ctx, tx, inserts); err != nil {
		return err
	}
	for i, c := range added {
		c.New.ID = inserts[i].ID
	}
	return nil
}

// insertBatches inserts rows in batches, reading back each new id in row order.
func insertBatches[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	for start := 0; start < len(rows); start += batchSize {
		batch := rows[start:min(start+batchSize, len(rows))]
		if _, err := tx.NewInsert().Model(&batch).Returning("id").Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// registryAudit builds the import's audit events: one for the sheet, with the summary,
// then one per agency whose values changed and one per agreement added, updated or no
// longer listed. Sightings that merely moved are covered by the sheet's event.
func registryAudit(reg redress.Registry, res redress.MergeResult, ref redress.SheetRef, sha string) []redress.AuditEvent {
	s := res.Summary
	events := []redress.AuditEvent{{Action: redress.ActionRegistryImported, Details: map[string]any{
		"sheet_id": ref.ID, "file": s.FileName, "kind": s.Kind, "as_of": s.AsOf.String(), "sha256": sha,
		"rows": s.Rows, "added": s.Added, "updated": s.Updated, "unchanged": s.Unchanged,
		"no_longer_listed": s.NoLongerListed, "warnings": s.Warnings,
		"agencies_updated": s.AgenciesUpdated, "already_imported": s.AlreadyImported,
	}}}
	names := map[string]redress.Agency{}
	for _, a := range reg.Agencies {
		names[redress.AgencyKey(a.State, a.Name)] = a.Agency
	}
	for _, c := range res.Agencies {
		names[redress.AgencyKey(c.New.State, c.New.Name)] = c.New.Agency
		if len(c.Changes) > 0 {
			events = append(events, redress.AuditEvent{Action: redress.ActionAgencyUpdated, AgencyID: c.New.ID,
				Details: map[string]any{"state": c.New.State, "agency": c.New.Name, "changes": changeMap(c.Changes)}})
		}
	}
	for _, c := range res.Agreements {
		if c.Action == "" {
			continue
		}
		a := c.New
		d := map[string]any{"state": names[a.AgencyKey].State, "agency": names[a.AgencyKey].Name,
			"model": a.Model, "sheet": a.Sheet}
		if c.Action == redress.ActionAgreementAdded {
			d["status"], d["signed_raw"], d["signed_on"] = a.Status, a.SignedRaw, a.SignedOn.String()
			d["moa_document_listed"], d["addendum"] = a.MOAListed, a.Addendum
		} else {
			d["changes"] = changeMap(c.Changes)
		}
		events = append(events, redress.AuditEvent{Action: c.Action, AgencyID: a.AgencyID, AgreementID: a.ID, Details: d})
	}
	return events
}

func changeMap(cs []redress.FieldChange) map[string]any {
	m := make(map[string]any, len(cs))
	for _, c := range cs {
		m[c.Field] = map[string]any{"old": c.Old, "new": c.New}
	}
	return m
}

// RegistryIsEmpty reports whether no ICE sheet was ever imported, so a new database can
// be seeded with the sheets the binary carries.
func (db *DB) RegistryIsEmpty(ctx context.Context) (bool, error) {
	exists, err := db.bun.NewSelect().Model((*sheetRow)(nil)).Exists(ctx)
	return !exists, err
}

// RegistrySheets lists the imported sheets, oldest publication first.
func (db *DB) RegistrySheets(ctx context.Context) ([]redress.SheetRef, error) {
	var rows []sheetRow
	if err := db.bun.NewSelect().Model(&rows).Order("as_of", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.SheetRef, len(rows))
	for i, r := range rows {
		out[i] = r.ref()
	}
	return out, nil
}

// Agency loads one agency.
func (db *DB) Agency(ctx context.Context, id int64) (redress.Agency, error) {
	var row agencyRow
	if err := db.bun.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return redress.Agency{}, notFound(err, "Agency")
	}
	return row.agency(), nil
}

// ListAgencies lists agencies by state and name. state is a USPS code or "" for all;
// q, when given, must occur in the name, ignoring case, extra spaces and the kind of
// apostrophe. It searches name_key, folded in Go the same way for both databases, rather
// than LOWER(name), which SQLite folds for ASCII only.
func (db *DB) ListAgencies(ctx context.Context, state, q string, limit int) ([]redress.Agency, error) {
	var rows []agencyRow
	query := db.bun.NewSelect().Model(&rows).Order("state", "name", "id")
	if state != "" {
		query.Where("state = ?", state)
	}
	if pattern, ok := nameKeyPattern(q); ok {
		query.Where("name_key LIKE ? ESCAPE '!'", pattern)
	}
	if limit > 0 {
		query.Limit(int64(limit))
	}
	if err := query.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Agency, len(rows))
	for i, r := range rows {
		out[i] = r.agency()
	}
	return out, nil
}

// likeEscaper makes a search term match itself only, "%" and "_" included.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// ListAgreements lists agreements with their agency, by state, agency name and model.
func (db *DB) ListAgreements(ctx context.Context, f redress.AgreementFilter) ([]redress.Agreement, error) {
	var rows []agreementRow
	q := db.bun.NewSelect().Model(&rows).Relation("Agency").Relation("Sheet").
		OrderExpr(`"agency"."state", "agency"."name", "agreement"."model", "agreement"."id"`)
	if f.State != "" {
		q.Where(`"agency"."state" = ?`, f.State)
	}
	if f.Model != "" {
		q.Where(`"agreement"."model" = ?`, f.Model)
	}
	if f.Status != "" {
		q.Where(`"agreement"."status" = ?`, f.Status)
	}
	if f.AgencyID != 0 {
		q.Where(`"agreement"."agency_id" = ?`, f.AgencyID)
	}
	if f.Limit > 0 {
		q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Agreement, len(rows))
	for i, r := range rows {
		out[i] = r.agreement()
	}
	return out, nil
}

// AgreementsForAgency lists one agency's agreements in any status, with their newest
// values; attribution reads them as of the incident date (AgreementsForAgencyOn).
func (db *DB) AgreementsForAgency(ctx context.Context, agencyID int64) ([]redress.Agreement, error) {
	return db.ListAgreements(ctx, redress.AgreementFilter{AgencyID: agencyID})
}

// Agreement loads one agreement with its agency.
func (db *DB) Agreement(ctx context.Context, id int64) (redress.Agreement, error) {
	var row agreementRow
	err := db.bun.NewSelect().Model(&row).Relation("Agency").Relation("Sheet").
		Where(`"agreement"."id" = ?`, id).Scan(ctx)
	if err != nil {
		return redress.Agreement{}, notFound(err, "Agreement")
	}
	return row.agreement(), nil
}
