// Package icetest finds ICE's published 287(g) sheets for tests: the real files as ICE
// published them, the seed in migrations/seed (the 2025-06-17 participating sheet and the
// 2025-07-18 participating and pending sheets). REDRESS_ICE_DATA can point at another folder.
package icetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice"
	"github.com/redress-oversight/redress/internal/redress"
)

// The sheets as ICE published them.
const (
	June        = "participatingAgencies06172025pm.xlsx"
	July        = "participatingAgencies07182025pm.xlsx"
	JulyPending = "pendingAgencies07182025pm.xlsx"
)

// Path returns the path of one of ICE's sheets. A missing file fails the test and says
// where it was looked for: these tests are about the real data and never skip.
func Path(t testing.TB, name string) string {
	t.Helper()
	root := moduleRoot(t)
	dirs := []string{filepath.Join(root, "migrations", "seed")}
	if env := os.Getenv("REDRESS_ICE_DATA"); env != "" {
		dirs = []string{env}
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("ICE sheet %s not found in %v\n(set REDRESS_ICE_DATA to the folder holding ICE's .xlsx files)", name, dirs)
	return ""
}

// Read reads one of ICE's sheets with its date from its name.
func Read(t testing.TB, name string) redress.Sheet {
	t.Helper()
	s, err := ice.ReadFile(Path(t, name), time.Time{})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return s
}

// moduleRoot walks up from the test's working directory (its package folder) to go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
