package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// moaRun runs the real program's "moa import" against dsn and returns its output.
func moaRun(t *testing.T, dsn string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return ""
	}
	full := append([]string{"moa", "import", "--database-url", dsn, "--data-dir", t.TempDir(), "--log-level", "error"}, args...)
	err := run(context.Background(), full, getenv, &out, io.Discard)
	return out.String(), err
}

func TestMoaImport(t *testing.T) {
	june, july := icetest.Path(t, icetest.June), icetest.Path(t, icetest.July)
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		// A new database starts with ICE's June and July sheets: June again is recognised
		// and changes nothing, and its warnings are shown again for the operator.
		out, err := moaRun(t, dsn, june)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		want := "participatingAgencies06172025pm.xlsx (participating, as of 2025-06-17): 706 rows: 0 added, 0 updated, 706 unchanged, 0 no longer listed, 214 warnings (already imported)"
		if lines[0] != want {
			t.Errorf("summary line\n got %q\nwant %q", lines[0], want)
		}
		if len(lines) != 1+214 {
			t.Errorf("%d lines, want the summary and 214 warnings", len(lines))
		}
		if w := `  row 662 SIGNED "05/082025": not a date; kept as given`; !strings.Contains(out, w+"\n") {
			t.Errorf("output lacks %q", w)
		}

		// Flags may follow the file; the same file again changes nothing.
		out, err = moaRun(t, dsn, july, "--as-of", "2025-07-18")
		if err != nil {
			t.Fatal(err)
		}
		want = "participatingAgencies07182025pm.xlsx (participating, as of 2025-07-18): 832 rows: 0 added, 0 updated, 832 unchanged, 0 no longer listed, 231 warnings (already imported)\n"
		if !strings.HasPrefix(out, want) {
			t.Errorf("second import\n got %q\nwant %q…", strings.SplitN(out, "\n", 2)[0], want)
		}

		// Each import is in the trail under the operator's name, and so is each agreement
		// it added, with its agency and agreement (MOA).
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		imports, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionRegistryImported})
		if err != nil {
			t.Fatal(err)
		}
		byFile := map[string]string{}
		for _, ev := range imports {
			byFile[ev.Details["file"].(string)] = ev.Actor
		}
		if byFile["participatingAgencies06172025pm.xlsx"] != "cli:tester" || byFile["participatingAgencies07182025pm.xlsx"] == "" {
			t.Errorf("import events by file and actor: %v", byFile)
		}
		// Each agreement the seed added is in the trail with its agency and agreement
		// (MOA): June's 706, the 142 July added and the 25 pending.
		added, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionAgreementAdded})
		n := 0
		for _, ev := range added {
			if ev.AgencyID == 0 || ev.AgreementID == 0 {
				t.Errorf("agreement.added without agency or agreement: %+v", ev)
			}
			if ev.Actor == redress.ActorSystem {
				n++
			}
		}
		if n != 706+142+25 || len(added) != n {
			t.Errorf("%d agreement.added events, %d by the seed, want %d, all by the seed", len(added), n, 706+142+25)
		}
	})
}

func TestMoaImportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "participatingAgencies08012025pm.xlsx")
	if err := os.WriteFile(bad, []byte("not a workbook"), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := "sqlite:" + filepath.Join(dir, "redress.db")
	out, err := moaRun(t, dsn, icetest.Path(t, icetest.July), bad)
	if err == nil || !strings.Contains(err.Error(), "participatingAgencies08012025pm.xlsx") || out != "" {
		t.Errorf("unreadable file: err %v, output %q; want an error naming it and no output", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "redress.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused import created the database: %v", err)
	}
	if _, err := moaRun(t, dsn, filepath.Join(dir, "renamed.xlsx")); err == nil || !strings.Contains(err.Error(), "renamed.xlsx") {
		t.Errorf("missing file: err %v, want one naming it", err)
	}
	if _, err := moaRun(t, dsn); !errors.Is(err, errUsage) {
		t.Errorf("no file: err %v, want usage", err)
	}
	if _, err := moaRun(t, dsn, "--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: err %v, want flag.ErrHelp", err)
	}
	if _, err := moaRun(t, dsn, "--as-of", "18/07/2025", "x.xlsx"); err == nil || !strings.Contains(err.Error(), "--as-of") {
		t.Errorf("bad --as-of: err %v", err)
	}
}
