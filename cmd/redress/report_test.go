package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// "redress report" over a generated year, in each format: the CSV reads back as cells
// of every table, the JSON holds every table, the HTML prints (print styles, no
// script) and names the quarter; each run is a report.exported event; no complaint's
// narrative or officers reach any of them.
func TestReportCommand(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		env := map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": dir, "REDRESS_AUDIT_KEY": testAuditKey,
			"REDRESS_SEED_STAFF_PASSWORD": seedPassword, "USER": "analyst"}
		if out, errOut, err := runCLI(t, env, "seed", "--complaints", "120", "--years", "1"); err != nil {
			t.Fatalf("seed: %v\n%s\n%s", err, out, errOut)
		}
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		var secrets []string
		for id := int64(1); id <= 120 && len(secrets) < 40; id++ {
			c, _, err := db.Complaint(ctx, id)
			if err != nil {
				continue
			}
			// Long enough not to be a category's own words ("en la cárcel").
			for _, s := range []string{c.Narrative, c.Officers, c.Witnesses} {
				if len([]rune(s)) >= 24 {
					secrets = append(secrets, string([]rune(s)[:24]))
				}
			}
		}
		if len(secrets) == 0 {
			t.Fatal("the generated complaints hold no text to look for")
		}
		clean := func(what, body string) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s holds a complaint's words %q", what, s)
				}
			}
		}

		out := mustRun(t, dsn, "report", "--format", "csv", "--from", "2024-01", "--to", "2028-12")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || strings.Join(recs[0], ",") != "table,row,key,column,value" {
			t.Fatalf("csv: %v %v", err, recs[:1])
		}
		seen := map[string]bool{}
		received := ""
		for _, r := range recs[1:] {
			seen[r[0]] = true
			if r[0] == "summary" && r[1] == "1" && r[3] == "value" {
				received = r[4]
			}
		}
		for _, name := range append(reports.Tables, "by_state", "by_agency", "by_agreement", "by_model") {
			if !seen[name] && name != reports.TableReferrals && name != reports.TableFindings {
				t.Errorf("the csv has no table %s", name)
			}
		}
		if received != "120" {
			t.Errorf("received %q, want all 120", received)
		}
		clean("csv", out)

		out = mustRun(t, dsn, "report", "--format", "json")
		var doc struct {
			Period string                       `json:"period"`
			Tables map[string]reports.JSONTable `json:"tables"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("json: %v", err)
		}
		if len(doc.Period) != 7 || !strings.Contains(doc.Period, "-Q") || doc.Tables["by_agency"].Table != "by_agency" {
			t.Errorf("json period %q tables %d", doc.Period, len(doc.Tables))
		}
		clean("json", out)

		file := filepath.Join(dir, "q.html")
		if _, errOut, err := runCLI(t, env, "report", "--period", "2026-Q3", "--format", "html", "--lang", "es", "--out", file); err != nil ||
			!strings.Contains(errOut, "wrote the html report of 2026-Q3") {
			t.Fatalf("html: %v %s", err, errOut)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		for _, want := range []string{"Informe trimestral de supervisión, 2026-Q3", "@media print", `role="img"`, "Por agencia"} {
			if !strings.Contains(page, want) {
				t.Errorf("the html report lacks %q", want)
			}
		}
		if strings.Contains(page, "<script") {
			t.Errorf("the html report has script")
		}
		clean("html", page)

		if _, errOut, err := runCLI(t, env, "report", "--period", "2026-Q7"); err == nil || !strings.Contains(err.Error(), "--period") {
			t.Errorf("a bad quarter: %v %s", err, errOut)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionReportExported})
		if err != nil || len(evs) != 3 || evs[2].Actor != "cli:analyst" || evs[2].Details["format"] != "html" {
			t.Errorf("report.exported events %+v %v", evs, err)
		}
	})
}
