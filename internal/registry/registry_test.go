package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/registry"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func statuses(t *testing.T, db *store.DB) map[redress.AgreementStatus]int {
	t.Helper()
	all, err := db.ListAgreements(context.Background(), redress.AgreementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[redress.AgreementStatus]int{}
	for _, a := range all {
		out[a.Status]++
	}
	return out
}

func TestSeedIfEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seeded, err := registry.SeedIfEmpty(ctx, db)
		if err != nil || !seeded {
			t.Fatalf("first seed = %v %v, want seeded", seeded, err)
		}
		// ICE's 2025-07-18 sheets: 832 participating agreements, 26 pending of which one
		// (Haywood County, TN, WSO) is also participating; 16 agreements of the
		// 2025-06-17 sheet are missing from July's.
		if got := statuses(t, db); got[redress.StatusActive] != 832 || got[redress.StatusPending] != 25 ||
			got[redress.StatusNoLongerListed] != 16 || len(got) != 3 {
			t.Errorf("statuses = %v, want 832 active, 25 pending, 16 no longer listed", got)
		}
		imports, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionRegistryImported})
		if err != nil || len(imports) != 3 || imports[0].Actor != redress.ActorSystem {
			t.Fatalf("import events = %+v %v", imports, err)
		}
		// Oldest first, and on one day the participating sheet before the pending one.
		var order []string
		for _, e := range imports {
			order = append(order, e.Details["file"].(string))
		}
		if want := []string{icetest.June, icetest.July, icetest.JulyPending}; !slices.Equal(order, want) {
			t.Errorf("seeded %v, want %v", order, want)
		}
		events, err := db.CountAudit(ctx, "")
		if err != nil {
			t.Fatal(err)
		}

		seeded, err = registry.SeedIfEmpty(ctx, db)
		if err != nil || seeded {
			t.Errorf("second seed = %v %v, want nothing done", seeded, err)
		}
		if again, _ := db.CountAudit(ctx, ""); again != events {
			t.Errorf("audit events %d -> %d: the second seed must not write", events, again)
		}
		sheets, err := db.RegistrySheets(ctx)
		if err != nil || len(sheets) != 3 {
			t.Errorf("sheets = %+v %v, want 3", sheets, err)
		}
	})
}

func TestImportFiles(t *testing.T) {
	june, july := icetest.Path(t, icetest.June), icetest.Path(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Given newest first, merged oldest first: each summary tells what its sheet changed.
		results, err := registry.ImportFiles(ctx, db, []string{july, june}, time.Time{}, "cli:ops", "req-9")
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 2 {
			t.Fatalf("results = %+v", results)
		}
		j, l := results[0], results[1]
		if j.Summary.FileName != icetest.June || j.Summary.Added != 706 || len(j.Warnings) != 214 {
			t.Errorf("first result = %+v with %d warnings, want June: 706 added, 214 warnings", j.Summary, len(j.Warnings))
		}
		if l.Summary.FileName != icetest.July || l.Summary.Added != 142 || l.Summary.Updated != 162 ||
			l.Summary.Unchanged != 528 || l.Summary.NoLongerListed != 16 || len(l.Warnings) != 231 {
			t.Errorf("second result = %+v with %d warnings", l.Summary, len(l.Warnings))
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionAgreementDropped})
		if err != nil || len(evs) != 16 || evs[0].Actor != "cli:ops" || evs[0].RequestID != "req-9" {
			t.Errorf("no-longer-listed events = %d %v", len(evs), err)
		}
	})
}

// One unreadable file stops the whole import before anything is written.
func TestImportFilesUnreadable(t *testing.T) {
	dir := t.TempDir()
	notXLSX := filepath.Join(dir, "participatingAgencies08012025pm.xlsx")
	if err := os.WriteFile(notXLSX, []byte("STATE,LAW ENFORCEMENT AGENCY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	july := icetest.Path(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, bad := range []string{notXLSX, filepath.Join(dir, "missing.xlsx")} {
			_, err := registry.ImportFiles(ctx, db, []string{july, bad}, time.Time{}, "cli:ops", "")
			if err == nil || !strings.Contains(err.Error(), filepath.Base(bad)) {
				t.Errorf("err = %v, want one naming %s", err, filepath.Base(bad))
			}
		}
		if empty, err := db.RegistryIsEmpty(ctx); err != nil || !empty {
			t.Errorf("registry empty = %v %v, want nothing imported", empty, err)
		}
	})
}

// A renamed file needs its date given; the kind comes from its columns.
func TestImportRenamed(t *testing.T) {
	data, err := os.ReadFile(icetest.Path(t, icetest.July))
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := registry.Import(ctx, db, strings.NewReader(string(data)), "ice-list.xlsx", time.Time{}, "cli:ops", ""); redress.ErrorCode(err) != redress.EINVALID ||
			!strings.Contains(redress.ErrorMessage(err), "--as-of") {
			t.Errorf("no date: err = %v, want invalid, asking for --as-of", err)
		}
		r, err := registry.Import(ctx, db, strings.NewReader(string(data)), "ice-list.xlsx", asOf, "cli:ops", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Summary.Kind != redress.SheetParticipating || r.Summary.AsOf.String() != "2025-07-18" || r.Summary.Added != 832 {
			t.Errorf("summary = %+v", r.Summary)
		}
	})
}
