package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
)

// Exporting the audit trail from the web: the form at /oversight/export and
// GET /api/v1/audit/export take the same parameters as `redress audit export` and give
// the same JSON Lines file (docs/audit.md), which `redress audit verify --file … --key …`
// checks with no database. Every export is an audit event (audit.ExportedEvent).

// exportContentType is the media type of JSON Lines as commonly served.
const exportContentType = "application/x-ndjson"

// exportParams is every query parameter an export takes: its filters, the form's
// button (download) and the page's language switch. Any other is refused: an export
// that ignored a filter would hand over more of the trail than was asked for.
var exportParams = []string{"from", "to", "complaint", "agreement", "download", "lang"}

// parseExportQuery reads the export's parameters.
func (s *Server) parseExportQuery(r *http.Request) (audit.ExportFilter, error) {
	v := r.URL.Query()
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	var f audit.ExportFilter
	var fe redress.FieldErrors
	refuseUnknownParams(v, exportParams, &fe)
	f.From, f.To = parseTimeRange(get("from"), get("to"), &fe)
	var err error
	// Exporting needs the right in every unit (mayExport): every complaint is visible.
	if f.ComplaintID, err = s.parseComplaintParam(r.Context(), "complaint", get("complaint"), true, nil, &fe); err != nil {
		return f, err
	}
	f.AgreementID = parseIDParam("agreement", get("agreement"), &fe)
	// An export reads the audit trail: its time range holds to the audit filter's rules.
	fe = append(fe, redress.FieldsOf(redress.AuditFilter{From: f.From, To: f.To}.Validate())...)
	return f, sortFieldErrors(fe, []string{"from", "to", "complaint", "agreement"}).Err()
}

// mayExport tells whether the caller may export the trail: an export can hold the
// events of any complaint, so only a role held in every unit may.
func (s *Server) mayExport(r *http.Request) bool {
	pr, _ := principal(r)
	all, _ := s.Authz.Units(pr.Subject(), permAuditExport, "export")
	return all
}

// sendExport has the service write and record the export, then sends the file: an
// export that cannot be recorded is not given, and a failure halfway never reaches the
// caller as half a file.
func (s *Server) sendExport(w http.ResponseWriter, r *http.Request, f audit.ExportFilter) error {
	file, err := s.Audit.Export(r.Context(), auditBy(r), f)
	if err != nil {
		return err
	}
	defer file.Close()
	name := fmt.Sprintf("redress-audit-%d-%d.jsonl", file.Summary.FirstSeq, file.Summary.LastSeq)
	h := w.Header()
	h.Set("Content-Type", exportContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Length", fmt.Sprint(file.Size))
	noStore(w)
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, file); err != nil {
		s.Log.Warn("sending an audit export", "err", err, "request_id", requestID(r))
	}
	return nil
}

// exportView is the export form as filled in.
type exportView struct {
	Form *filterForm
}

// handleExportPage draws the export form or, when the form was sent (download), gives
// the file.
func (s *Server) handleExportPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayExport(r) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	p := &exportPage{oversightBase: s.oversightPage(w, r)}
	v := &exportView{Form: newFilterForm(p.page, r.URL.Query(), "oversight.export.")}
	p.Export = v
	status := http.StatusOK
	if r.URL.Query().Has("download") {
		f, err := s.parseExportQuery(r)
		var de *redress.Error
		switch {
		case errors.As(err, &de) && de.Code == redress.EINVALID:
			v.Form.setErrors(de.Fields)
			status = http.StatusUnprocessableEntity
		case err != nil:
			s.renderPageError(w, r, p, err)
			return
		default:
			if err := s.sendExport(w, r, f); err != nil {
				s.renderPageError(w, r, p, err)
			}
			return
		}
	}
	if err := s.auditChoices(r, v.Form, permAuditExport, "export"); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.render(w, r, status, p)
}

func (s *Server) handleAPIAuditExport(w http.ResponseWriter, r *http.Request) {
	if !s.mayExport(r) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	f, err := s.parseExportQuery(r)
	if err == nil {
		err = s.sendExport(w, r, f)
	}
	if err != nil {
		s.renderError(w, r, err)
	}
}
