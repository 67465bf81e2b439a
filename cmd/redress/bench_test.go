package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/bench"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The bench command drives the real server with every kind of request and measures the
// bare limit beside it, in a scratch database it drops afterwards. The figures are not
// checked against goals here (that is the command's job, on a quiet machine): this shows
// every kind is sent and answered without error, and the report says so.
func TestBenchDrivesEveryKind(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		dataDir := t.TempDir()
		mustRun(t, dsn, "unit", "add", "--name", "tx", "--title", "Texas", "--states", "TX")
		out := mustRun(t, dsn, "user", "add", "--email", "bench@example.org", "--name", "Bench",
			"--role", "supervisor", "--unit", "*", "--public-url", "https://redress.example/")
		mustRun(t, dsn, "user", "role", "add", "--email", "bench@example.org", "--role", "oversight_auditor", "--unit", "*")
		m := setLinkRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("user add printed:\n%s", out)
		}
		_, svc := openStore(t, dsn)
		if _, err := svc.SetPasswordWithToken(context.Background(), auth.Meta{}, m[2], "tulip canyon ferry 47"); err != nil {
			t.Fatal(err)
		}

		base, _, _ := startServe(t, map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": dataDir,
			"REDRESS_FILING_LIMIT": "0", "REDRESS_LOGIN_LIMIT": "0"})
		mix := map[string]int{}
		for _, k := range bench.Kinds {
			mix[k] = 1
		}
		// Other runs on the same PostgreSQL server (a bench by hand, another suite) may hold
		// scratch databases of their own: only ones this run made count.
		scratchBefore := bareScratch(t, dsn)
		var progress bytes.Buffer
		rep, err := bench.Run(context.Background(), bench.Options{URL: base, Clients: 2, Duration: 1500 * time.Millisecond,
			Mix: mix, Email: "bench@example.org", Password: "tulip canyon ferry 47", PID: os.Getpid(),
			BareDSN: dsn, DataDir: dataDir, Progress: &progress})
		if err != nil {
			t.Fatal(err)
		}
		var printed bytes.Buffer
		rep.Print(&printed)
		for _, k := range bench.Kinds {
			r, ok := rep.Result(k)
			if !ok || r.Requests == 0 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
				t.Errorf("%s: %+v\n%s", k, r, printed.String())
			}
			if !strings.Contains(printed.String(), "\n"+k+" ") {
				t.Errorf("the report has no line for %s:\n%s", k, printed.String())
			}
		}
		if rep.Bare <= 0 || rep.BareErrors != 0 || rep.PeakRSS <= 0 || !strings.Contains(printed.String(), "bare limit: ") ||
			!strings.Contains(progress.String(), "round 1: bare limit") {
			t.Errorf("bare %.1f/s (%d errors), peak %d:\n%s%s", rep.Bare, rep.BareErrors, rep.PeakRSS, progress.String(), printed.String())
		}

		// The bare limit wrote nothing into the service's own database and left no scratch behind.
		db, _ := openStore(t, dsn)
		var bareRows int
		if err := db.Bun().NewRaw("SELECT count(*) FROM complaints WHERE tracking_number LIKE 'BARE-%'").Scan(context.Background(), &bareRows); err != nil || bareRows != 0 {
			t.Errorf("bare filings in the service's database: %d %v", bareRows, err)
		}
		if strings.HasPrefix(dsn, "sqlite:") {
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "redress_bare_*"))
			if len(left) != 0 {
				t.Errorf("scratch files left: %v", left)
			}
		} else {
			for _, name := range bareScratch(t, dsn) {
				if !slices.Contains(scratchBefore, name) {
					t.Errorf("scratch database left: %s", name)
				}
			}
		}
	})
}

// bareScratch names the bare limit's scratch databases on dsn's PostgreSQL server (none
// for SQLite, whose scratch files the test looks for itself).
func bareScratch(t *testing.T, dsn string) []string {
	t.Helper()
	if strings.HasPrefix(dsn, "sqlite:") {
		return nil
	}
	db, _ := openStore(t, dsn)
	var names []string
	if err := db.Bun().NewRaw("SELECT datname FROM pg_database WHERE datname LIKE 'redress_bare_%'").Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPercentileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 100 * time.Millisecond, 90: 180 * time.Millisecond,
		99: 198 * time.Millisecond, 100: 200 * time.Millisecond, 0.1: time.Millisecond} {
		if got := bench.Percentile(lat, p); got != want {
			t.Errorf("p%v = %s, want %s", p, got, want)
		}
	}
	if bench.Percentile(nil, 99) != 0 {
		t.Error("no latencies, yet a percentile")
	}
	if _, err := bench.ParseMix("file=2,nothing=1"); err == nil || !strings.Contains(err.Error(), `no kind "nothing"`) {
		t.Errorf("an unknown kind: %v", err)
	}
}
