// Package registry imports ICE's 287(g) agency lists into the MOA registry. The command
// line, the web service and start-up seeding all import through it.
package registry

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/ice"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/migrations"
)

// Result is what importing one sheet did, with the cells the reader kept but could not
// fully read, for the operator to check against ICE's file.
type Result struct {
	Summary  redress.ImportSummary
	Warnings []redress.SheetWarning
}

// ImportFiles imports ICE sheets from files: ReadFiles, then ApplySheets. A zero asOf
// takes each sheet's date from its file name.
func ImportFiles(ctx context.Context, db *store.DB, paths []string, asOf time.Time, actor, requestID string) ([]Result, error) {
	sheets, err := ReadFiles(paths, asOf)
	if err != nil {
		return nil, err
	}
	return ApplySheets(ctx, db, sheets, actor, requestID)
}

// ReadFiles reads every file before anything is written, so one unreadable file stops
// an import with nothing changed (the command line reads them before it even opens the
// database).
func ReadFiles(paths []string, asOf time.Time) ([]redress.Sheet, error) {
	sheets := make([]redress.Sheet, 0, len(paths))
	for _, p := range paths {
		s, err := ice.ReadFile(p, asOf)
		if err != nil {
			return nil, err
		}
		sheets = append(sheets, s)
	}
	return sheets, nil
}

// ApplySheets merges sheets oldest first, each in its own transaction, so each summary
// tells what that publication changed; the registry ends the same in any order. On an
// error the results of the sheets already merged come back with it.
func ApplySheets(ctx context.Context, db *store.DB, sheets []redress.Sheet, actor, requestID string) ([]Result, error) {
	sheets = slices.Clone(sheets)
	slices.SortStableFunc(sheets, func(a, b redress.Sheet) int { return a.AsOf.Compare(b.AsOf) })
	results := make([]Result, 0, len(sheets))
	for _, s := range sheets {
		summary, err := db.ApplySheet(ctx, s, actor, requestID)
		if err != nil {
			return results, fmt.Errorf("import %s: %w", s.FileName, err)
		}
		results = append(results, Result{Summary: summary, Warnings: s.Warnings})
	}
	return results, nil
}

// Import imports one sheet read from r, such as an upload; fileName is the name ICE gave it.
func Import(ctx context.Context, db *store.DB, r io.Reader, fileName string, asOf time.Time, actor, requestID string) (Result, error) {
	s, err := ice.Read(r, fileName, asOf)
	if err != nil {
		return Result{}, err
	}
	results, err := ApplySheets(ctx, db, []redress.Sheet{s}, actor, requestID)
	if err != nil {
		return Result{}, err
	}
	return results[0], nil
}

// SeedIfEmpty loads the ICE sheets the binary carries (migrations.Seed) into a registry
// that has none, oldest publication first (on one day the participating sheet, then the
// pending one), so a first run shows real agencies and keeps every sheet's values. It
// reports whether it did.
// Two processes starting at once may both seed; the second import of the same files
// changes nothing.
func SeedIfEmpty(ctx context.Context, db *store.DB) (bool, error) {
	empty, err := db.RegistryIsEmpty(ctx)
	if err != nil || !empty {
		return false, err
	}
	sheets, err := seedSheets(migrations.Seed)
	if err != nil {
		return false, err
	}
	if _, err := ApplySheets(ctx, db, sheets, redress.ActorSystem, ""); err != nil {
		return false, err
	}
	return true, nil
}

func seedSheets(fsys fs.FS) ([]redress.Sheet, error) {
	names, err := fs.Glob(fsys, "seed/*.xlsx")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no seed sheets embedded")
	}
	var sheets []redress.Sheet
	for _, name := range names {
		s, err := readSeed(fsys, name)
		if err != nil {
			return nil, err
		}
		sheets = append(sheets, s)
	}
	slices.SortStableFunc(sheets, func(a, b redress.Sheet) int {
		if c := a.AsOf.Compare(b.AsOf); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind)) // "participating" < "pending"
	})
	return sheets, nil
}

func readSeed(fsys fs.FS, name string) (redress.Sheet, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return redress.Sheet{}, err
	}
	defer f.Close()
	s, err := ice.Read(f, path.Base(name), time.Time{})
	if err != nil {
		return redress.Sheet{}, fmt.Errorf("seed sheet %s: %w", strings.TrimPrefix(name, "seed/"), err)
	}
	return s, nil
}
