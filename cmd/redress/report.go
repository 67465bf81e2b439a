package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
)

// reportCommand runs "redress report": the oversight measures of a period, every table
// of the dashboard and its breakdowns by state, agency, agreement and model, for
// scripts (CSV, JSON) or to print (HTML). Every unit is counted: whoever runs the
// command holds the database. The report is a report.exported event, as a download
// from the dashboard is.
func (c *cli) reportCommand(ctx context.Context, args []string) error {
	fs := c.flagSet("report", "report [--period 2026-Q3 | --from 2026-01 --to 2026-06] --format csv|json|html [--out FILE]")
	cfg, err := config.Register(fs, c.getenv, true)
	if err != nil {
		return err
	}
	period := fs.String("period", "", "a quarter, 2026-Q3 (default: the last full quarter, in the office's time zone)")
	from := fs.String("from", "", "first month, 2026-01 (instead of --period)")
	to := fs.String("to", "", "last month, included, 2026-06 (instead of --period)")
	format := fs.String("format", "csv", "csv (one line per table cell), json, or html (a printable report)")
	out := fs.String("out", "", "write to this file instead of standard output")
	lang := fs.String("lang", "en", "the HTML report's language: en or es")
	state := fs.String("state", "", "only this state (two letters)")
	agency := fs.Int64("agency", 0, "only this agency, by id")
	agreement := fs.Int64("agreement", 0, "only this agreement (MOA), by id")
	model := fs.String("model", "", "only this model: JEM, WSO or TFM")
	unit := fs.String("unit", "", "only this review unit")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case reports.FormatCSV, reports.FormatJSON, reports.FormatHTML:
	default:
		return fmt.Errorf("--format %q: use csv, json or html", *format)
	}
	if cfg.PublicBaseURL == "" { // as serve: the address it listens on; no link is made
		cfg.PublicBaseURL = "http://" + cfg.Addr
	}
	a, err := c.buildApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if !a.catalog.Supported(*lang) {
		return fmt.Errorf("--lang %q: use one of %s", *lang, strings.Join(a.catalog.Languages(), ", "))
	}
	loc := a.clocks.Loc()
	f := redress.MeasureFilter{AllUnits: true, State: strings.ToUpper(*state), AgencyID: *agency, AgreementID: *agreement,
		Model: redress.Model(strings.ToUpper(*model)), Unit: *unit}
	var name string
	f.From, f.To, name, err = reports.ParsePeriod(*period, *from, *to, time.Now(), loc)
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return fmt.Errorf("%s", flagErrors(a.catalog, err))
	}
	set, err := a.reports.Report(ctx, reports.Actor{Subject: c.actor(), RequestID: newRequestID()}, f, *format)
	if err != nil {
		return err
	}
	// Written whole first, so a failure never leaves half a report.
	var buf bytes.Buffer
	switch *format {
	case reports.FormatCSV:
		err = reports.WriteSetCSV(&buf, set)
	case reports.FormatJSON:
		err = reports.WriteSetJSON(&buf, set, name)
	case reports.FormatHTML:
		err = reports.Words{Cat: a.catalog, Lang: *lang}.WriteHTML(&buf, set, name, loc)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = c.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "wrote the %s report of %s (%d complaints received) to %s\n", *format, name, set.Measures.Received, *out)
	return nil
}

// flagErrors words a filter's field errors as the flags that were wrong.
func flagErrors(cat *i18n.Catalog, err error) string {
	fe := redress.FieldsOf(err)
	if len(fe) == 0 {
		return err.Error()
	}
	var parts []string
	for _, e := range fe {
		field := e.Field
		if field == "period" && !strings.Contains(e.Rule, "quarter") {
			field = "period/from/to"
		}
		parts = append(parts, "--"+field+": "+cat.T("en", "rule."+e.Rule, map[string]any{"Param": e.Param}))
	}
	return strings.Join(parts, "; ")
}
