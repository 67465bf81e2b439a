package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
)

// GET /api/v1/reports/{table}: one table of the dashboard or a report card, as CSV or
// JSON (format, JSON by default), over the dashboard's filters. The dashboard's
// download buttons link here. Each export is a report.exported event, recorded before
// the table is sent.
func (s *Server) handleAPIReport(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["table"]
	if s.Reports == nil || !reports.Known(name) {
		s.renderError(w, r, errNotFound)
		return
	}
	mq, err := s.parseMeasureQuery(r, slices.Concat(dashFilters, []string{"format", "lang"}))
	format := r.URL.Query().Get("format")
	if format == "" {
		format = reports.FormatJSON
	}
	if format != reports.FormatCSV && format != reports.FormatJSON {
		fe := redress.FieldsOf(err)
		fe.Add("format", "one_of", "csv, json")
		err = fe.Err()
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pr, _ := principal(r)
	t, asOf, err := s.Reports.Export(r.Context(), reports.Actor{Subject: pr.Subject(), RequestID: requestID(r)}, mq.Filter, name, format)
	if errors.Is(err, reports.ErrUnknownTable) {
		err = errNotFound
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Written whole before sending, so a failure is an error, never half a file.
	var buf bytes.Buffer
	file := "redress-" + name + "-" + fileSafe(mq.Period) + "." + format
	if format == reports.FormatCSV {
		err = reports.WriteCSV(&buf, t)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = reports.WriteJSON(&buf, t, mq.Filter, asOf)
		w.Header().Set("Content-Type", "application/json")
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// fileSafe keeps a period's name to letters, digits and dashes, for a file name.
func fileSafe(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-':
			out = append(out, r)
		case r == ' ' || r == '–':
			if len(out) > 0 && out[len(out)-1] != '-' {
				out = append(out, '-')
			}
		}
	}
	return string(out)
}
