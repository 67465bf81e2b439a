package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// listingRow is what one sheet said of one agreement (redress.Listing).
type listingRow struct {
	bun.BaseModel `bun:"table:agreement_listings,alias:listing"`
	ID            int64        `bun:"id,pk,autoincrement"`
	AgreementID   int64        `bun:"agreement_id"`
	SheetID       int64        `bun:"sheet_id"`
	SheetRow      int          `bun:"sheet_row"`
	SignedRaw     string       `bun:"signed_raw"`
	SignedOn      redress.Date `bun:"signed_on"`
	MOAListed     bool         `bun:"moa_listed"`
	Addendum      bool         `bun:"addendum"`

	Sheet *sheetRow `bun:"rel:belongs-to,join:sheet_id=id"`
}

func (r listingRow) listing() redress.Listing {
	l := redress.Listing{Row: r.SheetRow, SignedRaw: r.SignedRaw, SignedOn: r.SignedOn,
		MOAListed: r.MOAListed, Addendum: r.Addendum}
	if r.Sheet != nil {
		l.Sheet = r.Sheet.ref()
	}
	return l
}

// writeListings records what the sheet said of each agreement it lists, in the import's
// transaction. A sheet imported again rewrites its listings from the file, which also
// replaces a listing carried over from a database older than listings.
func writeListings(ctx context.Context, tx bun.Tx, sheet redress.Sheet, sheetID int64, reg redress.Registry, res redress.MergeResult) error {
	ids := map[string]int64{}
	for _, a := range reg.Agreements {
		ids[a.Key()] = a.ID
	}
	for _, c := range res.Agreements {
		ids[c.New.Key()] = c.New.ID
	}
	var rows []listingRow
	for _, r := range sheet.Rows {
		id, ok := ids[redress.AgencyKey(r.State, r.AgencyName)+"|"+string(r.Model)]
		if !ok {
			continue // a repeated row, already listed
		}
		delete(ids, redress.AgencyKey(r.State, r.AgencyName)+"|"+string(r.Model))
		row := listingRow{AgreementID: id, SheetID: sheetID, SheetRow: r.Row}
		if sheet.Kind == redress.SheetParticipating {
			row.SignedRaw, row.SignedOn, row.MOAListed, row.Addendum = r.SignedRaw, r.SignedOn, r.MOAListed, r.Addendum
		}
		rows = append(rows, row)
	}
	for start := 0; start < len(rows); start += batchSize {
		batch := rows[start:min(start+batchSize, len(rows))]
		_, err := tx.NewInsert().Model(&batch).Returning("NULL").
			On("CONFLICT (agreement_id, sheet_id) DO UPDATE").
			Set("sheet_row = EXCLUDED.sheet_row, signed_raw = EXCLUDED.signed_raw, signed_on = EXCLUDED.signed_on").
			Set("moa_listed = EXCLUDED.moa_listed, addendum = EXCLUDED.addendum").Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

// listingsOf loads the listings of the given agreements, each agreement's oldest first.
func (db *DB) listingsOf(ctx context.Context, ids []int64) (map[int64][]redress.Listing, error) {
	out := map[int64][]redress.Listing{}
	if len(ids) == 0 {
		return out, nil
	}
	return db.listings(ctx, func(q *bun.SelectQuery) { q.Where(`"listing"."agreement_id" IN (?)`, bun.In(ids)) })
}

// listings loads the listings where picks (all: nil), each agreement's oldest first.
func (db *DB) listings(ctx context.Context, where func(*bun.SelectQuery)) (map[int64][]redress.Listing, error) {
	out := map[int64][]redress.Listing{}
	var rows []listingRow
	q := db.bun.NewSelect().Model(&rows).Relation("Sheet")
	if where != nil {
		where(q)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.AgreementID] = append(out[r.AgreementID], r.listing())
	}
	for _, ls := range out {
		redress.SortListings(ls)
	}
	return out, nil
}

// AgreementsForAgencyOn lists one agency's agreements as the sheets in force on day d
// listed them (redress.Agreement.On): attribution judges an incident by what ICE had
// published at the time.
func (db *DB) AgreementsForAgencyOn(ctx context.Context, agencyID int64, d redress.Date) ([]redress.Agreement, error) {
	ags, err := db.AgreementsForAgency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ags))
	for i, a := range ags {
		ids[i] = a.ID
	}
	listings, err := db.listingsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, a := range ags {
		ags[i] = a.On(listings[a.ID], d)
	}
	return ags, nil
}

// AgreementHistory loads one agreement with its agency and every sheet's listing of it.
func (db *DB) AgreementHistory(ctx context.Context, id int64) (redress.AgreementHistory, error) {
	a, err := db.Agreement(ctx, id)
	if err != nil {
		return redress.AgreementHistory{}, err
	}
	listings, err := db.listingsOf(ctx, []int64{id})
	if err != nil {
		return redress.AgreementHistory{}, err
	}
	return redress.AgreementHistory{Agreement: a, Listings: nonNil(listings[id])}, nil
}

// ChangedAgreements lists, a page at a time, the agreements whose participating sheets
// disagree (redress.AgreementHistory.Changes), by state, agency and model, with the total
// for paging. The candidates, those listed by two participating sheets or more, are
// found in SQL; their listings are compared in Go, by the merge's rule.
func (db *DB) ChangedAgreements(ctx context.Context, f redress.HistoryFilter) ([]redress.AgreementHistory, int, error) {
	twice := db.bun.NewSelect().TableExpr("agreement_listings AS l").
		Join("JOIN registry_sheets AS s ON s.id = l.sheet_id").ColumnExpr("l.agreement_id").
		Where("s.kind = ?", redress.SheetParticipating).Group("l.agreement_id").Having("COUNT(*) > 1")
	var rows []agreementRow
	q := db.bun.NewSelect().Model(&rows).Relation("Agency").Relation("Sheet").
		Where(`"agreement"."id" IN (?)`, twice).
		OrderExpr(`"agency"."state", "agency"."name", "agreement"."model", "agreement"."id"`)
	if f.State != "" {
		q.Where(`"agency"."state" = ?`, f.State)
	}
	if pattern, ok := nameKeyPattern(f.Query); ok {
		q.Where(`"agency"."name_key" LIKE ? ESCAPE '!'`, pattern)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	listings, err := db.listingsOf(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	var changed []redress.AgreementHistory
	for _, r := range rows {
		h := redress.AgreementHistory{Agreement: r.agreement(), Listings: listings[r.ID]}
		if len(h.Changes()) > 0 {
			changed = append(changed, h)
		}
	}
	total := len(changed)
	start := min(f.Offset, total)
	end := total
	if f.Limit > 0 {
		end = min(start+f.Limit, total)
	}
	return changed[start:end], total, nil
}

// nameKeyPattern is the LIKE pattern matching agencies whose name holds q, folded as
// name_key is (redress.AgencyKey); false when q holds nothing to search for.
func nameKeyPattern(q string) (string, bool) {
	folded := strings.TrimPrefix(redress.AgencyKey("", strings.ReplaceAll(q, "|", " ")), "|")
	// name_key is "STATE|folded name": the pattern's "|" keeps q inside the name.
	return "%|%" + likeEscaper.Replace(folded) + "%", folded != ""
}

// SheetRecords lists the imported sheets, oldest publication first (participating before
// pending on one day, the order the seed loads them), with their checksum,
// size and when they were imported.
func (db *DB) SheetRecords(ctx context.Context) ([]redress.SheetRecord, error) {
	var rows []sheetRow
	if err := db.bun.NewSelect().Model(&rows).Order("as_of", "kind", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.SheetRecord, len(rows))
	for i, r := range rows {
		var warnings []json.RawMessage
		if err := json.Unmarshal([]byte(r.Warnings), &warnings); err != nil {
			return nil, err
		}
		out[i] = redress.SheetRecord{ID: r.ID, FileName: r.FileName, Kind: redress.SheetKind(r.Kind),
			AsOf: redress.DateOf(r.AsOf.UTC()), SHA256: r.SHA256, Rows: r.RowCount,
			Warnings: len(warnings), ImportedAt: r.ImportedAt.UTC()}
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
