package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// The public transparency report's counts (issue 15, point 5): complaints and their
// allegations by quarter received, grouped in the database so a million complaints come
// back as a few thousand rows. bounds are the quarters' edges, oldest first (n+1 edges
// for n quarters); a complaint's quarter is found by comparing received_at with them, the
// same way in both dialects (the office's zone is in the edges, worked out in Go).

// quarterCase is a CASE giving the index of the quarter received_at falls in, and its
// arguments.
func quarterCase(bounds []time.Time) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(bounds)-1)
	b.WriteString("CASE")
	for i := 1; i < len(bounds); i++ {
		fmt.Fprintf(&b, " WHEN c.received_at < ? THEN %d", i-1)
		args = append(args, bounds[i].UTC())
	}
	b.WriteString(" END")
	return b.String(), args
}

// ComplaintTallies counts the complaints received within bounds by quarter, state,
// agency and model.
func (db *DB) ComplaintTallies(ctx context.Context, bounds []time.Time) ([]redress.ComplaintTally, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	qc, args := quarterCase(bounds)
	var rows []struct {
		Q          int    `bun:"q"`
		State      string `bun:"state"`
		AgencyID   *int64 `bun:"agency_id"`
		AgencyName string `bun:"agency_name"`
		Model      string `bun:"model"`
		N          int    `bun:"n"`
	}
	err := db.bun.NewSelect().TableExpr("complaints AS c").
		ColumnExpr(qc+" AS q", args...).
		ColumnExpr("COALESCE(a.state, c.state) AS state, c.agency_id, COALESCE(a.name, '') AS agency_name").
		ColumnExpr("COALESCE(g.model, '') AS model, count(*) AS n").
		Join("LEFT JOIN agencies AS a ON a.id = c.agency_id").
		Join("LEFT JOIN agreements AS g ON g.id = c.agreement_id").
		Where("c.received_at >= ? AND c.received_at < ?", bounds[0].UTC(), bounds[len(bounds)-1].UTC()).
		GroupExpr("1, 2, 3, 4, 5").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]redress.ComplaintTally, len(rows))
	for i, r := range rows {
		out[i] = redress.ComplaintTally{Quarter: r.Q, State: r.State, AgencyID: derefID(r.AgencyID),
			AgencyName: r.AgencyName, Model: redress.Model(r.Model), N: r.N}
	}
	return out, nil
}

// AllegationTallies counts the allegations of the complaints received within bounds by
// quarter, category and finding; a finding counts once its case is closed or withdrawn.
func (db *DB) AllegationTallies(ctx context.Context, bounds []time.Time) ([]redress.AllegationTally, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	qc, args := quarterCase(bounds)
	var rows []struct {
		Q        int    `bun:"q"`
		Category string `bun:"category"`
		Closed   int    `bun:"closed"`
		Finding  string `bun:"finding"`
		N        int    `bun:"n"`
	}
	closed := "c.status IN ('" + redress.StatusClosed + "', '" + redress.StatusWithdrawn + "')"
	err := db.bun.NewSelect().TableExpr("allegations AS al").
		ColumnExpr(qc+" AS q", args...).
		ColumnExpr("al.category, CASE WHEN "+closed+" THEN 1 ELSE 0 END AS closed").
		ColumnExpr("CASE WHEN "+closed+" THEN al.finding ELSE '' END AS finding, count(*) AS n").
		Join("JOIN complaints AS c ON c.id = al.complaint_id").
		Where("c.received_at >= ? AND c.received_at < ?", bounds[0].UTC(), bounds[len(bounds)-1].UTC()).
		GroupExpr("1, 2, 3, 4").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]redress.AllegationTally, len(rows))
	for i, r := range rows {
		out[i] = redress.AllegationTally{Quarter: r.Q, Category: redress.Category(r.Category), Closed: r.Closed == 1,
			Finding: r.Finding, N: r.N}
	}
	return out, nil
}
