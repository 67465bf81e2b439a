package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
)

// Permissions of the case file, checked in the complaint's unit (policies/policy.csv).
const (
	permNote     = "complaint.note"     // read | add
	permMessage  = "complaint.message"  // read | send
	permEvidence = "complaint.evidence" // read | add; read is also the download
)

func fileActor(a casework.Actor) casefile.Actor {
	return casefile.Actor{UserID: a.UserID, Subject: a.Subject, RequestID: a.RequestID}
}

// caseFilesView is the notes, messages and evidence of a case as one staff member may
// see them: a nil section is one the caller may not see. The "casefiles" template
// (templates/casefile_partials.html) renders it.
type caseFilesView struct {
	ComplaintID int64
	// Language names the complaint's language, for the message form's hint.
	Language string
	Flash    string
	Notes    *notesSection
	Messages *messagesSection
	Evidence *evidenceSection
	MaxMiB   int
	MaxFiles int

	lang string
	cat  *i18n.Catalog
	loc  *time.Location // the office's zone, for dates
}

type notesSection struct {
	List   []redress.Note
	CanAdd bool
}

type messagesSection struct {
	List    []redress.Message
	CanSend bool
}

type evidenceSection struct {
	List   []redress.EvidenceInfo
	CanAdd bool
	Full   bool // MaxFiles reached
}

// T translates id in the page's language; kv are template arguments as name/value pairs.
func (v *caseFilesView) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return v.cat.T(v.lang, id, data)
}

// DT writes a moment as its calendar day in the office's zone, in the page's language.
func (v *caseFilesView) DT(t time.Time) string {
	loc := v.loc
	if loc == nil {
		loc = time.UTC
	}
	d := redress.DateOf(t.In(loc))
	return v.cat.Date(v.lang, d.Year, d.Month, d.Day)
}

// Size writes a file size in KB or MB.
func (v *caseFilesView) Size(n int64) string { return fileSize(n) }

func fileSize(n int64) string {
	if n < 1<<20 {
		return strconv.FormatInt((n+1023)/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// Lines splits text people wrote into its lines, for the template to join with <br>.
func (v *caseFilesView) Lines(s string) []string { return strings.Split(s, "\n") }

// MessageState says where a message stands: whether the complainant has read and
// answered it, or, for their reply, that it is new to staff.
func (v *caseFilesView) MessageState(m redress.Message) string {
	switch {
	case m.Direction == redress.MessageFromComplainant && m.ReadAt.IsZero():
		return v.T("casefile.reply_new")
	case m.Direction == redress.MessageFromComplainant:
		return ""
	case !m.AnsweredAt.IsZero():
		return v.T("casefile.answered", "Date", v.DT(m.AnsweredAt))
	case !m.ReadAt.IsZero():
		return v.T("casefile.read", "Date", v.DT(m.ReadAt))
	}
	return v.T("casefile.unread")
}

// Uploader says who added a file: the complainant, or a staff member.
func (v *caseFilesView) Uploader(e redress.EvidenceInfo) string {
	if e.UploadedBy == redress.SubjectReceiptHolder {
		return v.T("casefile.by_complainant")
	}
	return v.T("casefile.by_staff")
}

// loadCaseFiles loads the notes, messages and evidence of a complaint of unit for the
// caller, each only when the policy lets the caller read it in that unit (nil
// otherwise; nil altogether without complaint.read there). Loading the messages marks
// the complainant's replies read.
func (s *Server) loadCaseFiles(r *http.Request, complaintID int64, unit string) (*caseFilesView, error) {
	pr, ok := principal(r)
	if !ok {
		return nil, nil
	}
	sub, ctx, cf := pr.Subject(), r.Context(), s.Casefile
	if !s.Authz.Allowed(sub, unit, permRead, "read") {
		return nil, nil
	}
	v := &caseFilesView{ComplaintID: complaintID, MaxMiB: casefile.MaxFileSize >> 20, MaxFiles: casefile.MaxFiles,
		lang: s.requestLang(r), cat: s.Catalog, loc: s.officeZone()}
	if key := r.URL.Query().Get("filed"); filedFlash[key] != "" {
		v.Flash = v.T(filedFlash[key])
	}
	var err error
	if s.Authz.Allowed(sub, unit, permNote, "read") {
		v.Notes = &notesSection{CanAdd: s.Authz.Allowed(sub, unit, permNote, "add")}
		if v.Notes.List, err = cf.Notes(ctx, complaintID); err != nil {
			return nil, err
		}
	}
	if s.Authz.Allowed(sub, unit, permMessage, "read") {
		v.Messages = &messagesSection{CanSend: s.Authz.Allowed(sub, unit, permMessage, "send")}
		if v.Messages.List, err = cf.StaffMessages(ctx, complaintID); err != nil {
			return nil, err
		}
		if v.Messages.CanSend {
			c, _, err := s.DB.Complaint(ctx, complaintID)
			if err != nil {
				return nil, err
			}
			v.Language = s.Catalog.T(c.Language, "language.name", nil)
		}
	}
	if s.Authz.Allowed(sub, unit, permEvidence, "read") {
		v.Evidence = &evidenceSection{CanAdd: s.Authz.Allowed(sub, unit, permEvidence, "add")}
		if v.Evidence.List, err = cf.Evidence(ctx, complaintID); err != nil {
			return nil, err
		}
		v.Evidence.Full = len(v.Evidence.List) >= casefile.MaxFiles
	}
	return v, nil
}

// filedFlash words what a case-file form just did, named in the redirect after it.
var filedFlash = map[string]string{
	"note":            "casefile.note_added",
	"message":         "casefile.message_sent",
	"message_emailed": "casefile.message_sent_emailed",
	"evidence":        "casefile.evidence_added",
}

// requestLang is the page language of r without setting the switch's cookie (see
// pageLang), for views built away from the page.
func (s *Server) requestLang(r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" && s.Catalog.Supported(q) {
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && s.Catalog.Supported(c.Value) {
		return c.Value
	}
	return s.Catalog.Match(r.Header.Get("Accept-Language"))
}

func (s *Server) handleCaseNote(w http.ResponseWriter, r *http.Request) {
	c, _, actor, ok := s.caseTarget(w, r, permNote, "add")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	_, err := s.Casefile.AddNote(r.Context(), fileActor(actor), c, r.PostForm.Get("body"))
	s.afterCaseFile(w, r, c, err, "note")
}

func (s *Server) handleCaseMessage(w http.ResponseWriter, r *http.Request) {
	c, sealed, actor, ok := s.caseTarget(w, r, permMessage, "send")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	_, emailed, err := s.Casefile.SendMessage(r.Context(), fileActor(actor), c, sealed, r.PostForm.Get("body"))
	done := "message"
	if emailed {
		done = "message_emailed"
		if s.MailQueued != nil {
			s.MailQueued()
		}
	}
	s.afterCaseFile(w, r, c, err, done)
}

func (s *Server) handleCaseEvidenceUpload(w http.ResponseWriter, r *http.Request) {
	c, _, actor, ok := s.caseTarget(w, r, permEvidence, "add")
	if !ok {
		return
	}
	up, err := s.takeUpload(w, r, nil)
	defer up.close()
	if err != nil && !isFileError(err) {
		s.renderError(w, r, err)
		return
	}
	if err == nil {
		_, err = s.Casefile.AddEvidence(r.Context(), fileActor(actor), c, up.name, up.data)
	}
	s.afterCaseFile(w, r, c, err, "evidence")
}

// handleCaseEvidenceDownload serves one evidence file (page and API alike) to a role
// that may read the complaint's evidence in its unit; the download is an audit event.
func (s *Server) handleCaseEvidenceDownload(w http.ResponseWriter, r *http.Request) {
	c, _, actor, ok := s.caseTarget(w, r, permEvidence, "read")
	if !ok {
		return
	}
	eid, err := strconv.ParseInt(mux.Vars(r)["eid"], 10, 64)
	if err != nil {
		s.renderError(w, r, redress.Errorf(redress.ENOTFOUND, "Evidence file not found."))
		return
	}
	f, err := s.Casefile.Download(r.Context(), fileActor(actor), c, eid)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", attachment(f.FileName))
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// Opened in a tab anyway, the file runs nothing and loads nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	w.Write(f.Data)
}

// attachment is a Content-Disposition that makes the browser save the file: an ASCII
// fallback name for old clients and the exact name as RFC 6266 filename* (RFC 8187).
func attachment(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	var enc strings.Builder
	for _, b := range []byte(name) {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + enc.String()
}

// afterCaseFile answers a case-file form: back to the case page on success, naming
// what was done; otherwise the case page again with the problem, or an error page.
func (s *Server) afterCaseFile(w http.ResponseWriter, r *http.Request, c redress.Complaint, err error, done string) {
	if err == nil {
		http.Redirect(w, r, "/staff/complaints/"+strconv.FormatInt(c.ID, 10)+"?"+url.Values{"filed": {done}}.Encode()+"#casefiles", http.StatusSeeOther)
		return
	}
	code := redress.ErrorCode(err)
	if !isFileError(err) && code != redress.EINVALID && code != redress.ECONFLICT {
		s.renderError(w, r, err)
		return
	}
	s.showCaseRefused(w, r, func(p *page) (int, string) { return statusFor(err), s.problemText(p, err) })
}
