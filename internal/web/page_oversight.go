package web

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
)

// The audit log for oversight auditors and supervisors: the page and
// GET /api/v1/audit/events take the same query parameters, read by parseAuditQuery.
// Every look at the log is an audit event of its own, recording the filters, never the
// events found.

// Permissions checked on the audit trail (policies/policy.csv).
const (
	// permAuditLog, asked in a complaint's unit, lets one read the events about it; held
	// in every unit, all events.
	permAuditLog = "audit.log"
	// permAuditExport, held in every unit, lets one export the trail.
	permAuditExport = "audit.trail"
)

// auditKeyView is the public key as the oversight pages show it.
type auditKeyView struct {
	ID, Public string
}

// oversightPage starts an oversight page: the staff page with the audit key.
func (s *Server) oversightPage(w http.ResponseWriter, r *http.Request) *oversightBase {
	p := &oversightBase{page: s.newPage(r, s.pageLang(w, r))}
	if len(s.Audit.PublicKey) > 0 {
		p.AuditKey = &auditKeyView{ID: audit.KeyID(s.Audit.PublicKey), Public: audit.EncodePublicKey(s.Audit.PublicKey)}
	}
	return p
}

// auditLogView is the log page: the filter form, and one page of events.
type auditLogView struct {
	Form *filterForm
	// Fold says whether the filters show open above the rows.
	Fold filterFold
	Rows []auditRowView
	listCount
	Filtered bool
	PrevURL  string
	NextURL  string
}

// auditRowView is one event as the log and a complaint's history show it. Details
// never hold identity (docs/audit-events.md), so they are shown as stored.
type auditRowView struct {
	ID             int64
	At             time.Time
	Who            string
	Action         string
	Label          string
	ComplaintID    int64
	TrackingNumber string
	Agency         string
	Agreement      string
	AgreementID    int64
	Seq            int64
	Hash           string // in hex, whole
	ShortHash      string
	Details        string
}

// maxDetailsShown bounds the details a row of the log shows (a registry import lists
// every change); the API and an export give them whole.
const maxDetailsShown = 400

// auditRows words events for a page, looking up names once per page.
type auditRows struct {
	s          *Server
	p          *page
	ctx        context.Context
	actors     map[string]string
	agencies   map[int64]string
	agreements map[int64]string
	words      *staffWords
}

func (s *Server) newAuditRows(r *http.Request, p *page) *auditRows {
	return &auditRows{s: s, p: p, ctx: r.Context(), actors: map[string]string{
		redress.ActorPublic: p.T("oversight.actor.public"), redress.ActorSystem: p.T("oversight.actor.system"),
		redress.SubjectReceiptHolder: p.T("oversight.actor.receipt_holder")},
		agencies: map[int64]string{}, agreements: map[int64]string{}, words: s.newStaffWords(r)}
}

// who names an actor: staff by name and account, others in words or as recorded.
func (a *auditRows) who(actor string) string {
	if n, ok := a.actors[actor]; ok {
		return n
	}
	n := a.s.actorName(a.ctx, actor)
	if n != actor {
		n += " (" + actor + ")"
	}
	a.actors[actor] = n
	return n
}

// actorName is a staff account's name for its subject ("user:12"), or the subject as
// recorded when it names no account.
func (s *Server) actorName(ctx context.Context, actor string) string {
	if id, ok := strings.CutPrefix(actor, "user:"); ok {
		if uid, err := strconv.ParseInt(id, 10, 64); err == nil {
			if u, err := s.Auth.User(ctx, uid); err == nil {
				return u.Name
			}
		}
	}
	return actor
}

// actionLabel words an audit action in the page's language; ok is false for an action
// the catalog does not word.
func actionLabel(p *page, action string) (label string, ok bool) {
	label = p.T("audit.action." + action)
	return label, label != "audit.action."+action
}

// agency names an agency and its state; "" for none.
func (a *auditRows) agency(id int64) string {
	if id == 0 {
		return ""
	}
	name, ok := a.agencies[id]
	if !ok {
		name = "#" + strconv.FormatInt(id, 10)
		if ag, err := a.s.DB.Agency(a.ctx, id); err == nil {
			name = ag.Name + " (" + ag.State + ")"
		}
		a.agencies[id] = name
	}
	return name
}

// agreement names an agreement (MOA) by its model and id; "" for none.
func (a *auditRows) agreement(id int64) string {
	if id == 0 {
		return ""
	}
	label, ok := a.agreements[id]
	if !ok {
		label = "#" + strconv.FormatInt(id, 10)
		if ag, err := a.s.DB.Agreement(a.ctx, id); err == nil {
			label = string(ag.Model) + " " + label
		}
		a.agreements[id] = label
	}
	return label
}

func (a *auditRows) row(e redress.AuditEntry) auditRowView {
	v := auditRowView{ID: e.ID, At: e.OccurredAt, Who: a.who(e.Actor), Action: e.Action,
		ComplaintID: e.ComplaintID, TrackingNumber: e.TrackingNumber, AgreementID: e.AgreementID, Seq: e.Seq}
	if label, ok := actionLabel(a.p, e.Action); ok {
		v.Label = label // else the code alone
	}
	if len(e.Hash) > 0 {
		v.Hash = hex.EncodeToString(e.Hash)
		v.ShortHash = v.Hash[:12]
	}
	v.Agency, v.Agreement = a.agency(e.AgencyID), a.agreement(e.AgreementID)
	if details := a.words.details(e.AuditEvent); len(details) > 0 {
		b, _ := json.Marshal(details)
		// Staff's words in details (a reason) show their hidden controls as escapes.
		v.Details = redress.ShowHiddenControls(string(b))
		if utf8.RuneCountInString(v.Details) > maxDetailsShown {
			v.Details = string([]rune(v.Details)[:maxDetailsShown]) + "…"
		}
	}
	return v
}

func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request) {
	p := &auditLogPage{oversightBase: s.oversightPage(w, r)}
	v := &auditLogView{Form: newFilterForm(p.page, r.URL.Query(), "oversight.filter.")}
	p.AuditLog, p.Wide = v, true
	status := http.StatusOK
	aq, err := s.parseAuditQuery(r, foldParam)
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.Form.setErrors(de.Fields)
		status = http.StatusUnprocessableEntity
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	default:
		res, err := s.searchAudit(r, aq)
		if err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
		if res.Upto != 0 {
			v.Form.values.Set("upto", strconv.FormatInt(res.Upto, 10))
		}
		rows := s.newAuditRows(r, p.page)
		for _, e := range res.Entries {
			v.Rows = append(v.Rows, rows.row(e))
		}
		v.listCount, v.Filtered = countList(res.Total, aq.Page, aq.PerPage), len(aq.Given) > 0
		keys := make([]redress.ListKey, len(res.Entries))
		for i, e := range res.Entries {
			keys[i] = redress.ListKey{ID: e.ID}
		}
		v.PrevURL, v.NextURL = pageLinks("/oversight/audit", v.Form.values, v.Page, v.Next, true, cursorAudit, keys)
	}
	if err := s.auditChoices(r, v.Form, permAuditLog, "read"); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	inUse := len(v.Form.Errors) > 0 || slices.ContainsFunc(auditFilterNames, func(name string) bool { return v.Form.Val(name) != "" })
	v.Fold = foldFilters(w, r, "audit_filters", "/oversight/audit", r.URL.Query(), inUse)
	s.render(w, r, status, p)
}

// auditHistoryView is one complaint's history from the trail, oldest first.
type auditHistoryView struct {
	ComplaintID    int64
	TrackingNumber string
	Agency         string
	Agreement      string
	Rows           []auditRowView
	LogURL         string
}

// handleAuditHistory shows every event about one complaint, views of it included, as
// a timeline. Looking is an event about the complaint.
func (s *Server) handleAuditHistory(w http.ResponseWriter, r *http.Request) {
	p := &auditHistoryPage{page: s.newPage(r, s.pageLang(w, r))}
	pr, _ := principal(r)
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderPageError(w, r, p, errNotFound)
		return
	}
	c, _, err := s.DB.Complaint(r.Context(), id)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if !s.Authz.Allowed(pr.Subject(), c.Unit, permAuditLog, "read") {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	entries, err := s.Audit.History(r.Context(), auditBy(r), c)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	rows := s.newAuditRows(r, p.page)
	v := &auditHistoryView{ComplaintID: c.ID, TrackingNumber: c.TrackingNumber,
		LogURL: "/oversight/audit?" + url.Values{"complaint": {c.TrackingNumber}}.Encode()}
	for _, e := range entries {
		v.Rows = append(v.Rows, rows.row(e))
	}
	v.Agency, v.Agreement = rows.agency(c.AgencyID), rows.agreement(c.AgreementID)
	if v.Agency == "" && s.Authz.Allowed(pr.Subject(), c.Unit, permNarrative, "read") {
		v.Agency = c.AgencyOther // the complainant's words: only for who may read them
	}
	p.AuditHistory, p.Wide = v, true
	s.render(w, r, http.StatusOK, p)
}
