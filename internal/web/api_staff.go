package web

import (
	"net/http"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

type meJSON struct {
	ID    int64                    `json:"id"`
	Email string                   `json:"email"`
	Name  string                   `json:"name"`
	Roles []redress.RoleAssignment `json:"roles"`
}

func (s *Server) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	pr, _ := principal(r)
	writeJSON(w, http.StatusOK, meJSON{ID: pr.User.ID, Email: pr.User.Email, Name: pr.User.Name, Roles: pr.User.Roles})
}

type complaintRowJSON struct {
	ID             int64     `json:"id"`
	TrackingNumber string    `json:"tracking_number"`
	ReceivedAt     time.Time `json:"received_at"`
	State          string    `json:"state"`
	AgencyID       int64     `json:"agency_id,omitempty"`
	Agency         string    `json:"agency"`
	AgreementID    int64     `json:"agreement_id,omitempty"`
	Status         string    `json:"status"`
	Unit           string    `json:"unit"`
	Priority       string    `json:"priority"`
	AssigneeID     int64     `json:"assignee_id,omitempty"`
	// Custody is what the complainant said of custody: in_custody true is urgent.
	Custody   redress.Custody `json:"custody"`
	NextDueAt *time.Time      `json:"next_due_at,omitempty"`
	Deadline  string          `json:"deadline,omitempty"`
	// Categories are the allegations' categories; LastActivityAt when the case last
	// moved (a status change, a note, a message, evidence).
	Categories     []redress.Category `json:"categories"`
	LastActivityAt time.Time          `json:"last_activity_at"`
	// Unread: the complainant wrote or sent a file no case handler has read yet.
	Unread bool `json:"unread"`
}

type complaintListJSON struct {
	Complaints []complaintRowJSON `json:"complaints"`
	// Total is the number of complaints, counted up to a cap; TotalExact false means
	// more than Total (see openapi.json).
	Total      int  `json:"total"`
	TotalExact bool `json:"total_exact"`
	Page       int  `json:"page"`
	PerPage    int  `json:"per_page"`
	// NextAfter and PrevBefore page by key: pass one back as after= (before=) with
	// page= one more (less). Not for sort=deadline, which pages by number alone.
	NextAfter  string `json:"next_after,omitempty"`
	PrevBefore string `json:"prev_before,omitempty"`
}

func (s *Server) handleAPIStaffComplaints(w http.ResponseWriter, r *http.Request) {
	qq, err := s.parseQueueQuery(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	list, total, err := s.searchQueue(r, qq)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	n := countList(total, qq.Page, qq.PerPage)
	out := complaintListJSON{Complaints: make([]complaintRowJSON, len(list)), Total: n.Total, TotalExact: !n.More, Page: qq.Page, PerPage: qq.PerPage}
	if keys := queueKeys(list); !qq.Filter.ByDeadline && len(keys) > 0 {
		out.NextAfter, out.PrevBefore = apiCursors(cursorQueue, keys, qq.Page, n.Next)
	}
	for i, c := range list {
		out.Complaints[i] = complaintRowJSON{ID: c.ID, TrackingNumber: c.TrackingNumber, ReceivedAt: c.ReceivedAt, State: c.State,
			AgencyID: c.AgencyID, Agency: c.AgencyName, AgreementID: c.AgreementID, Status: c.Status, Unit: c.Unit,
			Priority: c.Priority, AssigneeID: c.AssigneeID, Custody: c.Custody, Deadline: c.Deadline,
			Categories: c.Categories, LastActivityAt: c.LastActivityAt, Unread: c.Unread}
		if c.Categories == nil {
			out.Complaints[i].Categories = []redress.Category{}
		}
		if !c.NextDueAt.IsZero() {
			out.Complaints[i].NextDueAt = &list[i].NextDueAt
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type caseJSON struct {
	ID             int64              `json:"id"`
	TrackingNumber string             `json:"tracking_number"`
	ReceivedAt     time.Time          `json:"received_at"`
	Status         string             `json:"status"`
	Unit           string             `json:"unit"`
	IncidentDate   redress.Date       `json:"incident_date"`
	State          string             `json:"state"`
	County         string             `json:"county,omitempty"`
	Agency         string             `json:"agency"`
	AgreementID    int64              `json:"agreement_id,omitempty"`
	Categories     []redress.Category `json:"categories"`
	Functions      []redress.Function `json:"functions"`
	Narrative      *string            `json:"narrative,omitempty"`
	Officers       *string            `json:"officers,omitempty"`
	Witnesses      *string            `json:"witnesses,omitempty"`
	Anonymous      bool               `json:"anonymous"`
	Contact        *redress.Contact   `json:"contact,omitempty"`
	// What the complainant told us of custody, place, language and consent.
	caseFactsJSON
	// Channel is how the complaint came in; EnteredBy the staff account that typed in
	// one received by phone, mail or in person.
	Channel   redress.Channel `json:"channel"`
	EnteredBy int64           `json:"entered_by,omitempty"`

	// The case work: where it stands and what the caller may do next.
	Priority    string           `json:"priority"`
	AssigneeID  int64            `json:"assignee_id,omitempty"`
	Disposition string           `json:"disposition,omitempty"`
	Allegations []allegationJSON `json:"allegations"`
	Clocks      []clockJSON      `json:"clocks"`
	Referrals   []referralJSON   `json:"referrals"`
	Links       []linkJSON       `json:"links"`
	Transitions []string         `json:"transitions"`
}

type allegationJSON struct {
	ID       int64            `json:"id"`
	Category redress.Category `json:"category"`
	Finding  string           `json:"finding,omitempty"`
}

// clockJSON is a deadline; state is due, due_soon, missed, paused, stopped or met.
type clockJSON struct {
	Name      string     `json:"name"`
	DueAt     time.Time  `json:"due_at"`
	MetAt     *time.Time `json:"met_at,omitempty"`
	PausedAt  *time.Time `json:"paused_at,omitempty"`
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
	State     string     `json:"state"`
}

type referralJSON struct {
	ID             int64      `json:"id"`
	Recipient      string     `json:"recipient"`
	RecipientOther string     `json:"recipient_other,omitempty"`
	IdentityShared bool       `json:"identity_shared"`
	Method         string     `json:"method,omitempty"`
	Shared         string     `json:"shared,omitempty"`
	SentAt         time.Time  `json:"sent_at"`
	DueAt          time.Time  `json:"due_at"`
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
	Answer         string     `json:"answer,omitempty"`
	Outcome        string     `json:"outcome,omitempty"`
	// The office of the directory a referral letter went to and the letter's outbox
	// status; both empty when no letter was sent.
	Office       string `json:"office,omitempty"`
	LetterStatus string `json:"letter_status,omitempty"`
}

type linkJSON struct {
	ID             int64  `json:"id"`
	TrackingNumber string `json:"tracking_number"`
	Kind           string `json:"kind"`
}

func (s *Server) handleAPIStaffCase(w http.ResponseWriter, r *http.Request) { s.apiCase(w, r, false) }
func (s *Server) handleAPIStaffIdentity(w http.ResponseWriter, r *http.Request) {
	s.apiCase(w, r, true)
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request, reveal bool) {
	noStore(w)
	v, err := s.loadCase(r, reveal)
	if err != nil {
		if redress.ErrorCode(err) == redress.EFORBIDDEN {
			s.deny(w, r, http.StatusForbidden)
			return
		}
		s.renderError(w, r, err)
		return
	}
	c := v.Complaint
	out := caseJSON{ID: c.ID, TrackingNumber: c.TrackingNumber, ReceivedAt: c.ReceivedAt, Status: c.Status, Unit: c.Unit,
		IncidentDate: c.IncidentDate, State: c.State, County: c.County, Agency: v.AgencyName, AgreementID: c.AgreementID,
		Functions: c.Functions, Anonymous: c.Anonymous, Contact: v.Identity, caseFactsJSON: newCaseFactsJSON(v),
		Channel: c.Channel, EnteredBy: c.EnteredBy}
	for _, a := range c.Allegations {
		out.Categories = append(out.Categories, a.Category)
		out.Allegations = append(out.Allegations, allegationJSON{ID: a.ID, Category: a.Category, Finding: v.State.Findings[a.ID]})
	}
	out.Priority, out.AssigneeID, out.Disposition = v.State.Priority, v.State.AssigneeID, v.State.Disposition
	out.Clocks, out.Referrals, out.Links, out.Transitions = []clockJSON{}, []referralJSON{}, []linkJSON{}, []string{}
	for i, k := range v.Clocks {
		out.Clocks = append(out.Clocks, clockJSON{Name: k.Name, DueAt: k.DueAt, MetAt: timePtr(k.MetAt), PausedAt: timePtr(k.PausedAt), StoppedAt: timePtr(k.StoppedAt), State: string(v.ClockStates[i])})
	}
	for _, r := range v.Referrals {
		out.Referrals = append(out.Referrals, referralJSON{ID: r.ID, Recipient: r.Recipient, RecipientOther: r.RecipientOther,
			IdentityShared: r.IdentityShared, Method: r.Method, Shared: r.Shared, SentAt: r.SentAt, DueAt: r.DueAt,
			AnsweredAt: timePtr(r.AnsweredAt), Answer: r.Answer, Outcome: r.Outcome, Office: r.OfficeName, LetterStatus: r.LetterStatus})
	}
	for _, l := range v.Links {
		out.Links = append(out.Links, linkJSON{ID: l.ID, TrackingNumber: l.TrackingNumber, Kind: l.Kind})
	}
	for _, t := range v.Transitions {
		out.Transitions = append(out.Transitions, t.Name)
	}
	if v.ShowNarrative {
		out.Narrative, out.Officers, out.Witnesses = &c.Narrative, &c.Officers, &c.Witnesses
	}
	writeJSON(w, http.StatusOK, out)
}
