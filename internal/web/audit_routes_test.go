package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The audit walk (docs/audit-events.md): every route that changes something, asked so
// that it succeeds, must write the audit event of what it did, naming the complaint,
// agency and agreement (MOA) when there is a complaint; so must every read of a case
// (case page and API, its notes, messages and evidence, downloads, identity reveals)
// and every search. Change events are checked for their old and new values, and every
// event the walk writes for identity, narrative, staff's text, file names and secrets.
// Requests that succeed and legitimately write nothing are listed, each with its
// reason, and must indeed write nothing. A route that may change state (any method but
// GET and HEAD), or a GET of one complaint or an export, with no row fails the test.

// walkReq is a request of the walk, made when its row runs (ids and codes that earlier
// rows produced are known by then).
type walkReq struct {
	path        string
	contentType string // "" : a form for pages, JSON under /api/
	body        []byte
	cookie      string // the session cookie, when not the caller's own
}

// walkRow is one request of the audit walk.
type walkRow struct {
	method, template string
	caller           string // a caller of the route table, "anonymous", or "walker"
	req              func() walkReq
	// action must be among the events the request wrote; quiet rows leave it empty.
	action string
	// status is the answer expected when the row is a refusal that is an event of its
	// own (a failed sign-in); 0 means any 2xx or 3xx.
	status int
	// quiet, for a request that succeeds and legitimately writes no event: why.
	quiet string
	// check looks further at the events the request wrote.
	check func(t *testing.T, evs []redress.AuditEvent)
}

// walkState is what the rows learn from one another.
type walkState struct {
	complaint   redress.Complaint // filed through the API: Harris County, with its JEM agreement
	tracking    string
	receipt     string
	formTrack   string // filed through the page
	referrals   []int64
	evidence    int64
	walker      redress.User // an account the walk signs in and out, enrols and changes
	walkerLink  string       // its one-time set-password token
	walkerTOTP  string       // its authenticator secret
	newUser     int64        // the account the administrator creates
	walkerPass  string
	priority    string // the complaint's priority as filed
	pendingCook string // the walker's session waiting for its second factor
}

// What the complainant wrote and staff typed: none of it may reach the audit trail.
var walkSecrets = []string{
	"Ana Gómez", "ana@example.org", "555-0100", "Deputy R.", "badge 4411",
	"Mi hermano quedó detenido", "Lo mantuvieron dos días", "Called the jail records desk",
	"Please send the booking sheet", "We will look into it", "Here is the release paper",
	"jail-log.png", "release-paper.png", "booking.png", testPassword, "quiet harbor lantern 58", "amber orchard violin 73",
}

func TestAuditWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		st := &walkState{walkerPass: "quiet harbor lantern 58"}
		m := auth.Meta{Actor: "test"}
		var err error
		if st.walker, st.walkerLink, err = s.auth.CreateUser(ctx, m, "walker@example.org", "Walker"); err != nil {
			t.Fatal(err)
		}
		if err := s.auth.AddRole(ctx, m, st.walker.ID, redress.RoleInvestigator, "fl"); err != nil {
			t.Fatal(err)
		}
		if err := s.authz.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		s.signIn("admin2", redress.RoleAdministrator, "*") // approves what "admin" asks for
		inv := strconv.FormatInt(s.users["investigator"].ID, 10)
		id := func() string { return strconv.FormatInt(st.complaint.ID, 10) }
		caseURL := func(rest string) func() walkReq {
			return func() walkReq { return walkReq{path: "/staff/complaints/" + id() + rest} }
		}
		casePost := func(rest string, form url.Values) func() walkReq {
			return func() walkReq { return walkReq{path: "/staff/complaints/" + id() + rest, body: []byte(form.Encode())} }
		}
		apiPost := func(rest, body string) func() walkReq {
			return func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id() + rest, body: []byte(body)} }
		}
		upload := func(path func() string, fields func() url.Values, name string) func() walkReq {
			return func() walkReq {
				var f url.Values
				if fields != nil {
					f = fields()
				}
				ct, body := multipartForm(t, f, name, pngFile)
				return walkReq{path: path(), contentType: ct, body: body}
			}
		}
		receipt := func() url.Values {
			return url.Values{"tracking_number": {st.tracking}, "receipt_code": {st.receipt}}
		}
		plain := func(path string, form url.Values) func() walkReq {
			return func() walkReq { return walkReq{path: path, body: []byte(form.Encode())} }
		}
		roleForm := func(user func() int64, op, role, unit string) func() walkReq {
			return func() walkReq {
				return walkReq{path: "/admin/users/" + strconv.FormatInt(user(), 10) + "/roles",
					body: []byte(url.Values{"op": {op}, "role": {role}, "unit": {unit}}.Encode())}
			}
		}
		// grantForm decides the waiting grant at index i (oldest first; -1: the newest).
		grantForm := func(i int, op string) func() walkReq {
			return func() walkReq {
				pending, err := s.auth.PendingRoleGrants(ctx)
				if err != nil || len(pending) == 0 {
					t.Fatalf("no grant waits: %v", err)
				}
				if i < 0 {
					i += len(pending)
				}
				return walkReq{path: "/admin/grants/" + strconv.FormatInt(pending[i].ID, 10), body: []byte("op=" + op)}
			}
		}

		rows := []walkRow{
			// The public: filing and following a complaint.
			{method: "POST", template: "/api/v1/complaints", caller: "anonymous", action: redress.ActionComplaintFiled,
				req: func() walkReq {
					b, _ := json.Marshal(validComplaint(s.agency.ID))
					return walkReq{path: "/api/v1/complaints", body: b}
				}},
			{method: "POST", template: "/complaint", caller: "anonymous", action: redress.ActionComplaintFiled,
				req: plain("/complaint", validForm(strconv.FormatInt(s.agency.ID, 10)))},
			// Staff entering a complaint received by phone or mail: the event is theirs.
			{method: "POST", template: "/staff/complaints/new", caller: "intake", action: redress.ActionComplaintFiled,
				req: func() walkReq {
					v := validForm(strconv.FormatInt(s.agency.ID, 10))
					v.Set("channel", "phone")
					return plain("/staff/complaints/new", v)()
				},
				check: func(t *testing.T, evs []redress.AuditEvent) {
					if ev := only1(t, evs, redress.ActionComplaintFiled); ev.Actor != "user:"+strconv.FormatInt(s.users["intake"].ID, 10) || ev.Details["channel"] != "phone" {
						t.Errorf("entered complaint's event %+v", ev)
					}
				}},
			{method: "POST", template: "/api/v1/staff/complaints", caller: "supervisor", action: redress.ActionComplaintFiled,
				req: func() walkReq {
					in := validComplaint(s.agency.ID)
					in["channel"] = "mail"
					b, _ := json.Marshal(in)
					return walkReq{path: "/api/v1/staff/complaints", body: b}
				}},
			{method: "POST", template: "/complaint", caller: "anonymous",
				quiet: "the form's agency step only draws the form again with a state's agencies; nothing is stored",
				req:   plain("/complaint", url.Values{"step": {"agencies"}, "state": {"TX"}, "language": {"en"}})},
			{method: "POST", template: "/api/v1/complaints/status", caller: "anonymous", action: redress.ActionStatusChecked,
				req: func() walkReq {
					return walkReq{path: "/api/v1/complaints/status",
						body: []byte(`{"tracking_number":"` + st.tracking + `","receipt_code":"` + st.receipt + `"}`)}
				}},
			{method: "POST", template: "/status", caller: "anonymous", action: redress.ActionStatusChecked,
				req: func() walkReq { return walkReq{path: "/status", body: []byte(receipt().Encode())} }},

			// Review officers: identity, triage, assignment, transitions, referrals.
			{method: "POST", template: "/staff/complaints/{id}/identity", caller: "intake", action: redress.ActionIdentityViewed,
				req: caseURL("/identity"), check: identityRevealed},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/identity", caller: "supervisor", action: redress.ActionIdentityViewed,
				req: func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id() + "/identity"} }, check: identityRevealed},
			{method: "POST", template: "/staff/complaints/{id}/triage", caller: "intake", action: "complaint.triaged",
				req: func() walkReq {
					return walkReq{path: "/staff/complaints/" + id() + "/triage", body: []byte("priority=" + st.flipped())}
				},
				check: func(t *testing.T, evs []redress.AuditEvent) {
					oldNew(map[string][2]any{"priority": {st.priority, st.flipped()}})(t, evs)
				}},
			{method: "POST", template: "/staff/complaints/{id}/transition", caller: "intake", action: "complaint.transition",
				req: casePost("/transition", url.Values{"transition": {"triage"}}), check: oldNewKeys("from", "received", "to", "triaged")},
			{method: "POST", template: "/staff/complaints/{id}/assign", caller: "intake", action: "complaint.assigned",
				req: casePost("/assign", url.Values{"assignee": {inv}}), check: oldNewKeys("old_assignee", float64(0), "new_assignee", float64(s.users["investigator"].ID))},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/assign", caller: "supervisor", action: "complaint.assigned",
				req: apiPost("/assign", `{"assignee_id":`+inv+`}`)},
			{method: "POST", template: "/staff/complaints/assign", caller: "supervisor", action: "complaint.assigned",
				req: func() walkReq {
					return walkReq{path: "/staff/complaints/assign", body: []byte(url.Values{"ids": {id()}, "assignee": {inv}}.Encode())}
				}},
			{method: "POST", template: "/api/v1/staff/complaints/assign", caller: "supervisor", action: "complaint.assigned",
				req: func() walkReq {
					return walkReq{path: "/api/v1/staff/complaints/assign", body: []byte(`{"ids":[` + id() + `],"assignee_id":` + inv + `}`)}
				}},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/transition", caller: "investigator", action: "complaint.transition",
				req: apiPost("/transition", `{"transition":"start_review"}`), check: oldNewKeys("from", "triaged", "to", "under_review")},
			{method: "POST", template: "/staff/complaints/{id}/referrals", caller: "investigator", action: "complaint.referred",
				req: casePost("/referrals", url.Values{"recipients": {"dhs_crcl"}, "method": {"email"}, "with_identity": {"yes"}})},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/referrals", caller: "investigator", action: "complaint.referred",
				req: apiPost("/referrals", `{"recipients":["ice_opr"],"method":"portal"}`)},
			{method: "POST", template: "/staff/complaints/{id}/referrals/{rid}", caller: "investigator", action: "complaint.referral_answered",
				req: func() walkReq {
					return walkReq{path: "/staff/complaints/" + id() + "/referrals/" + strconv.FormatInt(st.referrals[0], 10),
						body: []byte(url.Values{"answer": {"We will look into it"}, "outcome": {"open"}}.Encode())}
				}},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/referrals/{rid}", caller: "investigator", action: "complaint.referral_answered",
				req: func() walkReq {
					return walkReq{path: "/api/v1/staff/complaints/" + id() + "/referrals/" + strconv.FormatInt(st.referrals[1], 10),
						body: []byte(`{"answer":"We will look into it","outcome":"open"}`)}
				}},
			// A JEM case resolved with results owes ICE a report: each form records it on a
			// case of its own, closed before the request.
			{method: "POST", template: "/staff/complaints/{id}/results", caller: "investigator", action: redress.ActionResultsReported,
				req: func() walkReq {
					return walkReq{path: "/staff/complaints/" + strconv.FormatInt(s.resolvedJEM(), 10) + "/results",
						body: []byte(url.Values{"reported_on": {officeToday()}, "method": {"email"}}.Encode())}
				}},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/results", caller: "investigator", action: redress.ActionResultsReported,
				req: func() walkReq {
					return walkReq{path: "/api/v1/staff/complaints/" + strconv.FormatInt(s.resolvedJEM(), 10) + "/results",
						body: []byte(`{"reported_on":"` + officeToday() + `","method":"portal"}`)}
				}},

			// Notes, messages and evidence, from staff and from the complainant.
			{method: "POST", template: "/staff/complaints/{id}/notes", caller: "intake", action: "complaint.note_added",
				req: casePost("/notes", url.Values{"body": {"Called the jail records desk"}})},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/notes", caller: "supervisor", action: "complaint.note_added",
				req: apiPost("/notes", `{"body":"Called the jail records desk again"}`)},
			{method: "POST", template: "/staff/complaints/{id}/messages", caller: "investigator", action: "complaint.message_sent",
				req: casePost("/messages", url.Values{"body": {"Please send the booking sheet"}})},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/messages", caller: "investigator", action: "complaint.message_sent",
				req: apiPost("/messages", `{"body":"Please send the booking sheet, if you have it"}`)},
			{method: "POST", template: "/status/reply", caller: "anonymous", action: "complaint.message_replied",
				req: func() walkReq {
					f := receipt()
					f.Set("body", "Here is the release paper")
					return walkReq{path: "/status/reply", body: []byte(f.Encode())}
				}},
			{method: "POST", template: "/status/evidence", caller: "anonymous", action: "complaint.evidence_added",
				req: upload(func() string { return "/status/evidence" }, receipt, "release-paper.png")},
			{method: "POST", template: "/staff/complaints/{id}/evidence", caller: "investigator", action: "complaint.evidence_added",
				req: upload(func() string { return "/staff/complaints/" + id() + "/evidence" }, nil, "jail-log.png")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/evidence", caller: "investigator", action: "complaint.evidence_added",
				req: upload(func() string { return "/api/v1/staff/complaints/" + id() + "/evidence" }, nil, "booking.png")},

			// Reads of a case and searches.
			{method: "GET", template: "/staff/complaints/{id}", caller: "investigator", action: redress.ActionComplaintViewed, req: caseURL("")},
			{method: "GET", template: "/api/v1/staff/complaints/{id}", caller: "auditor", action: redress.ActionComplaintViewed,
				req: func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id()} }},
			{method: "GET", template: "/staff/complaints/{id}/evidence/{eid}", caller: "investigator", action: "complaint.evidence_downloaded",
				req: func() walkReq {
					return walkReq{path: "/staff/complaints/" + id() + "/evidence/" + strconv.FormatInt(st.evidence, 10)}
				}},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/evidence/{eid}", caller: "supervisor", action: "complaint.evidence_downloaded",
				req: func() walkReq {
					return walkReq{path: "/api/v1/staff/complaints/" + id() + "/evidence/" + strconv.FormatInt(st.evidence, 10)}
				}},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/notes", caller: "intake", action: redress.ActionComplaintViewed,
				req: func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id() + "/notes"} }, check: part("notes")},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/messages", caller: "investigator", action: redress.ActionComplaintViewed,
				req: func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id() + "/messages"} }, check: part("messages")},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/evidence", caller: "intake", action: redress.ActionComplaintViewed,
				req: func() walkReq { return walkReq{path: "/api/v1/staff/complaints/" + id() + "/evidence"} }, check: part("evidence")},
			{method: "GET", template: "/staff/complaints", caller: "investigator", action: "complaint.searched",
				req:   func() walkReq { return walkReq{path: "/staff/complaints?q=hermano&status=under_review"} },
				check: searched(map[string]any{"q": anyTag, "status": "under_review"})},
			{method: "GET", template: "/api/v1/staff/complaints", caller: "supervisor", action: "complaint.searched",
				req:   func() walkReq { return walkReq{path: "/api/v1/staff/complaints?status=under_review&sort=newest"} },
				check: searched(map[string]any{"status": "under_review", "sort": "newest"})},

			// The audit trail: the log and a complaint's history (the filters recorded, not
			// what was found), verifying, exporting.
			{method: "GET", template: "/oversight/audit", caller: "supervisor", action: redress.ActionAuditSearched,
				req:   func() walkReq { return walkReq{path: "/oversight/audit?action=complaint.*&from=2025-01-01"} },
				check: auditSearched(map[string]any{"action": "complaint.*", "from": "2025-01-01"})},
			{method: "GET", template: "/api/v1/audit/events", caller: "auditor", action: redress.ActionAuditSearched,
				req: func() walkReq { return walkReq{path: "/api/v1/audit/events?complaint=" + st.tracking} },
				check: func(t *testing.T, evs []redress.AuditEvent) {
					auditSearched(map[string]any{"complaint": st.tracking})(t, evs)
				}},
			{method: "GET", template: "/oversight/audit/complaints/{id}", caller: "auditor", action: redress.ActionAuditHistoryViewed,
				req: func() walkReq { return walkReq{path: "/oversight/audit/complaints/" + id()} }},
			{method: "POST", template: "/oversight/verify", caller: "auditor", action: redress.ActionVerifyStarted,
				req: plain("/oversight/verify", nil),
				// The outcome is written when the verification ends, after the answer.
				check: func(t *testing.T, evs []redress.AuditEvent) { s.srv.Audit.Idle() }},
			{method: "GET", template: "/oversight/export", caller: "auditor", action: redress.ActionExported,
				req: func() walkReq { return walkReq{path: "/oversight/export?download=1&complaint=" + st.tracking} }},
			{method: "GET", template: "/api/v1/audit/export", caller: "auditor", action: redress.ActionExported,
				req: func() walkReq {
					return walkReq{path: "/api/v1/audit/export?agreement=" + strconv.FormatInt(st.complaint.AgreementID, 10)}
				}},
			// Issue 15, oversight dashboard: looking shows counts, never a complaint; each
			// table downloaded is an event naming the table and the filter.
			{method: "GET", template: "/oversight", caller: "auditor", quiet: "the dashboard shows counts, never a complaint",
				req: func() walkReq { return walkReq{path: "/oversight?state=TX"} }},
			{method: "GET", template: "/oversight/agreements/{id}", caller: "supervisor", quiet: "a report card shows counts and the registry, never a complaint",
				req: func() walkReq {
					return walkReq{path: "/oversight/agreements/" + strconv.FormatInt(st.complaint.AgreementID, 10)}
				}},
			{method: "GET", template: "/api/v1/reports/{table}", caller: "auditor", action: redress.ActionReportExported,
				req: func() walkReq {
					return walkReq{path: "/api/v1/reports/by_agency?format=csv&period=2026-Q3&agreement=" + strconv.FormatInt(st.complaint.AgreementID, 10)}
				},
				check: func(t *testing.T, evs []redress.AuditEvent) {
					e := only1(t, evs, redress.ActionReportExported)
					if e.AgreementID != st.complaint.AgreementID || fmt.Sprint(e.Details["tables"]) != "[by_agency]" || e.Details["format"] != "csv" {
						t.Errorf("report.exported %+v", e)
					}
				}},

			// Last of the case work, since it moves the case out of the callers' unit.
			{method: "POST", template: "/api/v1/staff/complaints/{id}/triage", caller: "supervisor", action: "complaint.triaged",
				req: func() walkReq {
					return walkReq{path: "/api/v1/staff/complaints/" + id() + "/triage", body: []byte(`{"priority":"` + st.priority + `","unit":"fl"}`)}
				},
				check: func(t *testing.T, evs []redress.AuditEvent) {
					oldNew(map[string][2]any{"priority": {st.flipped(), st.priority}, "unit": {"tx", "fl"}})(t, evs)
				}},

			// Administrators.
			{method: "POST", template: "/admin/users", caller: "admin", action: redress.ActionUserCreated,
				req: plain("/admin/users", url.Values{"email": {"new@example.org"}, "name": {"New Person"}, "role": {"investigator"}, "unit": {"tx"}})},
			// A role that reads cases waits for a second administrator (docs/roles.md).
			{method: "POST", template: "/admin/users/{id}/roles", caller: "admin", action: redress.ActionRoleRequested,
				req: roleForm(func() int64 { return st.newUser }, "add", "intake_officer", "fl")},
			{method: "POST", template: "/admin/grants/{id}", caller: "admin2", action: redress.ActionRoleApproved,
				req: grantForm(-1, "approve"),
				check: func(t *testing.T, evs []redress.AuditEvent) {
					if d := only1(t, evs, redress.ActionRoleAdded).Details; d["role"] != "intake_officer" || d["user_id"] != float64(st.newUser) {
						t.Errorf("role added on approval: %v", d)
					}
				}},
			{method: "POST", template: "/admin/users/{id}/roles", caller: "admin", action: redress.ActionRoleRemoved,
				req: roleForm(func() int64 { return st.newUser }, "remove", "intake_officer", "fl")},
			{method: "POST", template: "/admin/users/{id}/roles", caller: "admin", action: redress.ActionRoleRefused, status: http.StatusForbidden,
				req: roleForm(func() int64 { return s.users["admin"].ID }, "add", "supervisor", "*")},
			{method: "POST", template: "/admin/grants/{id}", caller: "admin", action: redress.ActionRoleRefused, status: http.StatusForbidden,
				req: grantForm(0, "approve")},
			{method: "POST", template: "/admin/users/{id}/roles", caller: "admin", action: redress.ActionRoleRequested,
				req: roleForm(func() int64 { return st.newUser }, "add", "oversight_auditor", "*")},
			{method: "POST", template: "/admin/grants/{id}", caller: "admin2", action: redress.ActionRoleRejected,
				req: grantForm(-1, "reject")},
			{method: "POST", template: "/admin/grants/{id}", caller: "admin", action: redress.ActionRoleWithdrawn,
				req: grantForm(0, "reject")},
			{method: "POST", template: "/admin/users/{id}", caller: "admin",
				quiet: "a form sent without an operation changes nothing",
				req: func() walkReq {
					return walkReq{path: "/admin/users/" + strconv.FormatInt(st.newUser, 10), body: []byte("op=none")}
				}},
			{method: "POST", template: "/admin/users/{id}", caller: "admin", action: redress.ActionUserDisabled,
				req: func() walkReq {
					return walkReq{path: "/admin/users/" + strconv.FormatInt(st.newUser, 10), body: []byte("op=disable")}
				}},
			{method: "POST", template: "/admin/units", caller: "admin", action: redress.ActionUnitSaved,
				req:   plain("/admin/units", url.Values{"name": {"tx"}, "title": {"Texas and more"}, "states": {"TX"}}),
				check: oldNew(map[string][2]any{"title": {"Texas", "Texas and more"}})},
			{method: "POST", template: "/admin/units", caller: "admin", action: "unit.clocks_saved",
				req: plain("/admin/units", url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.triage": {"3"}, "count.triage": {"business_days"}})},
			{method: "POST", template: "/admin/routing", caller: "admin", action: redress.ActionRoutingSaved,
				req: plain("/admin/routing", url.Values{"op": {"add"}, "kind": {"unit"}, "state": {"GA"}, "unit": {"fl"}}),
				check: func(t *testing.T, evs []redress.AuditEvent) {
					d := only1(t, evs, redress.ActionRoutingSaved).Details
					if o, _ := d["old"].([]any); len(o) != 0 {
						t.Errorf("routing rules before: %v", d["old"])
					}
					if n, _ := d["new"].([]any); len(n) != 1 {
						t.Errorf("routing rules after: %v", d["new"])
					}
				}},
			{method: "POST", template: "/admin/offices", caller: "admin", action: redress.ActionOfficeSaved,
				req: plain("/admin/offices", url.Values{"name": {"DHS OIG Hotline"}, "email": {"oig@example.gov"}, "recipients": {"dhs_oig"}, "states": {"TX"}}),
				check: func(t *testing.T, evs []redress.AuditEvent) {
					d := only1(t, evs, redress.ActionOfficeSaved).Details
					if n, _ := d["new"].(map[string]any); d["created"] != true || n["recipients"] != "dhs_oig" || n["states"] != "TX" {
						t.Errorf("office saved: %v", d)
					}
					if strings.Contains(fmt.Sprint(d), "oig@example.gov") {
						t.Errorf("office saved with its address: %v", d)
					}
				}},
			{method: "POST", template: "/admin/offices", caller: "admin", action: redress.ActionOfficeRemoved,
				req: func() walkReq {
					offices, err := db.Offices(ctx)
					if err != nil || len(offices) != 1 {
						t.Fatalf("offices %v %v", offices, err)
					}
					return walkReq{path: "/admin/offices", body: []byte(url.Values{"op": {"delete"}, "id": {strconv.FormatInt(offices[0].ID, 10)}}.Encode())}
				}},
			{method: "POST", template: "/admin/settings", caller: "admin", action: redress.ActionMFAPolicyChanged,
				req: plain("/admin/settings", url.Values{"mfa_required": {"oversight_auditor"}})},
			{method: "POST", template: "/admin/settings", caller: "admin",
				quiet: "saving the settings as they already are changes nothing",
				req:   plain("/admin/settings", url.Values{"mfa_required": {"oversight_auditor"}})},
			// Early warning: a look is recorded, with counts and never a name.
			{method: "GET", template: "/oversight/warnings", caller: "supervisor", action: redress.ActionWarningsViewed,
				req: func() walkReq { return walkReq{path: "/oversight/warnings"} },
				check: func(t *testing.T, evs []redress.AuditEvent) {
					d := evs[len(evs)-1].Details
					if d["officers_shown"] != true || fmt.Sprint(d["units"]) != "[tx]" {
						t.Errorf("warning.viewed details %v", d)
					}
				}},
			// Early warning thresholds: the changed ones' old and new values.
			{method: "POST", template: "/admin/warnings", caller: "admin", action: redress.ActionWarningSettingsSaved,
				req: plain("/admin/warnings", warningForm(redress.WarnUrgentHours, "12")),
				check: func(t *testing.T, evs []redress.AuditEvent) {
					d := evs[len(evs)-1].Details
					if fmt.Sprint(d["old"]) != "map[urgent_hours:24]" || fmt.Sprint(d["new"]) != "map[urgent_hours:12]" {
						t.Errorf("warning settings details %v", d)
					}
				}},
			{method: "POST", template: "/admin/warnings", caller: "admin",
				quiet: "saving the thresholds as they already are changes nothing",
				req:   plain("/admin/warnings", warningForm(redress.WarnUrgentHours, "12"))},

			// Signing in and out, passwords, the second factor.
			{method: "POST", template: "/password/set", caller: "anonymous", action: redress.ActionPasswordChanged,
				req: func() walkReq {
					return walkReq{path: "/password/set", body: []byte(url.Values{"token": {st.walkerLink}, "password": {st.walkerPass}}.Encode())}
				}},
			{method: "POST", template: "/password/reset", caller: "anonymous", action: redress.ActionPasswordReset,
				req: plain("/password/reset", url.Values{"email": {"walker@example.org"}})},
			{method: "POST", template: "/password/reset", caller: "anonymous", action: redress.ActionPasswordReset,
				req: plain("/password/reset", url.Values{"email": {"Ana Gómez <ana@example.org>"}})},
			{method: "POST", template: "/login", caller: "anonymous", action: redress.ActionLoginFailed, status: http.StatusUnauthorized,
				req: func() walkReq {
					return walkReq{path: "/login", body: []byte(url.Values{"email": {"walker@example.org"}, "password": {testPassword}}.Encode())}
				}},
			{method: "POST", template: "/login", caller: "anonymous", action: redress.ActionLogin,
				req: func() walkReq {
					return walkReq{path: "/login", body: []byte(url.Values{"email": {"walker@example.org"}, "password": {st.walkerPass}}.Encode())}
				}},
			{method: "POST", template: "/account/mfa", caller: "walker", action: redress.ActionMFAEnrolled,
				req: func() walkReq {
					var err error
					if st.walkerTOTP, _, err = s.auth.BeginTOTP(ctx, st.walker.ID); err != nil {
						t.Fatal(err)
					}
					code, _ := totp.GenerateCode(st.walkerTOTP, time.Now().Add(-30*time.Second))
					return walkReq{path: "/account/mfa", body: []byte("code=" + code)}
				}},
			{method: "POST", template: "/login", caller: "anonymous", action: redress.ActionLoginPending,
				req: func() walkReq {
					return walkReq{path: "/login", body: []byte(url.Values{"email": {"walker@example.org"}, "password": {st.walkerPass}}.Encode())}
				}},
			{method: "POST", template: "/login/totp", caller: "anonymous",
				quiet: "without a sign-in waiting for its code there is nothing to complete (back to the sign-in page)",
				req:   plain("/login/totp", url.Values{"code": {"123456"}})},
			{method: "POST", template: "/login/totp", caller: "walker", action: redress.ActionLogin,
				req: func() walkReq {
					code, _ := totp.GenerateCode(st.walkerTOTP, time.Now())
					return walkReq{path: "/login/totp", body: []byte("code=" + code), cookie: st.pendingCook}
				}},
			{method: "POST", template: "/account/password", caller: "walker", action: redress.ActionPasswordChanged,
				req: func() walkReq {
					return walkReq{path: "/account/password", body: []byte(url.Values{"old_password": {st.walkerPass},
						"password": {"amber orchard violin 73"}}.Encode())}
				},
				check: func(t *testing.T, evs []redress.AuditEvent) {
					if d := only1(t, evs, redress.ActionPasswordChanged).Details; d["via"] != "change" || d["user_id"] != float64(st.walker.ID) {
						t.Errorf("password change details %v", d)
					}
				}},
			{method: "POST", template: "/logout", caller: "walker", action: redress.ActionLogout,
				req: func() walkReq { return walkReq{path: "/logout"} }},
		}

		var trail []redress.AuditEvent // every event the walk wrote
		lastID := func() int64 {
			evs, err := db.ListAudit(ctx, redress.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				return 0
			}
			return evs[len(evs)-1].ID
		}
		covered := map[string]bool{}
		for _, row := range rows {
			req := row.req()
			ct := req.contentType
			if ct == "" && row.method != "GET" {
				ct = formType
				if strings.HasPrefix(req.path, "/api/") {
					ct = "application/json"
				}
			}
			h := []string{"RemoteAddr", "198.51.100.200:1000"}
			cookie := req.cookie
			if cookie == "" {
				cookie = s.cookies[row.caller]
			}
			if cookie != "" {
				h = append(h, "Cookie", "redress_session="+cookie)
			}
			before := lastID()
			rec := s.do(row.method, req.path, ct, req.body, h...)
			name := row.method + " " + req.path + " as " + row.caller
			if ok := rec.Code >= 200 && rec.Code < 400; row.status != 0 && rec.Code != row.status || row.status == 0 && !ok {
				t.Errorf("%s: %d; a row of the audit walk must succeed (or answer its status %d)\n%.600s", name, rec.Code, row.status, rec.Body)
				continue
			}
			evs, err := db.ListAudit(ctx, redress.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var fresh []redress.AuditEvent
			for _, ev := range evs {
				if ev.ID > before {
					fresh = append(fresh, ev)
				}
			}
			trail = append(trail, fresh...)
			if row.quiet != "" {
				if len(fresh) > 0 {
					t.Errorf("%s wrote %s, but is listed as writing nothing (%s)", name, actions(fresh), row.quiet)
				}
				continue
			}
			if row.status == 0 {
				covered[row.method+" "+row.template] = true
			}
			if !slices.ContainsFunc(fresh, func(ev redress.AuditEvent) bool { return ev.Action == row.action }) {
				t.Errorf("%s answered %d and wrote %s; want %s", name, rec.Code, actions(fresh), row.action)
				continue
			}
			if row.check != nil {
				row.check(t, fresh)
			}
			learn(t, s, db, st, row, rec)
		}

		// Every route that may change something has a row that writes an event.
		var missing []string
		s.srv.Router().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
			tpl, err := route.GetPathTemplate()
			if err != nil {
				return nil
			}
			methods, _ := route.GetMethods()
			for _, m := range methods {
				if m != http.MethodGet && m != http.MethodHead && !covered[m+" "+tpl] {
					missing = append(missing, m+" "+tpl+" changes state")
				}
				if m == http.MethodGet && sensitiveRead(tpl) && !covered[m+" "+tpl] {
					missing = append(missing, m+" "+tpl+" reads a case or exports")
				}
			}
			return nil
		})
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("route %s but has no row in the audit walk that writes an event", m)
		}

		// Every event about the walk's complaint names its agency and agreement (MOA),
		// and no event holds what the complainant wrote, their identity, staff's text,
		// file names or passwords.
		nAbout := 0
		for _, ev := range trail {
			if ev.ComplaintID == st.complaint.ID {
				nAbout++
				if ev.AgencyID != st.complaint.AgencyID || ev.AgreementID != st.complaint.AgreementID {
					t.Errorf("%s about the complaint names agency %d, agreement %d; want %d, %d",
						ev.Action, ev.AgencyID, ev.AgreementID, st.complaint.AgencyID, st.complaint.AgreementID)
				}
			}
			b, _ := json.Marshal(ev)
			for _, secret := range append(walkSecrets, st.walkerTOTP, st.walkerLink, st.receipt) {
				if secret != "" && strings.Contains(string(b), secret) {
					t.Errorf("%s holds %q: %s", ev.Action, secret, b)
				}
			}
		}
		if nAbout < 30 {
			t.Errorf("only %d events about the walk's complaint", nAbout)
		}
	})
}

// sensitiveRead says whether a GET route reads something whose every read is an audit
// event: anything of one complaint, and any export.
func sensitiveRead(tpl string) bool {
	return strings.HasPrefix(tpl, "/staff/complaints/{id}") || strings.HasPrefix(tpl, "/api/v1/staff/complaints/{id}") ||
		strings.Contains(tpl, "export") || strings.HasPrefix(tpl, "/api/v1/reports/") // issue 15: report exports
}

// learn keeps what later rows need from a row's answer.
func learn(t *testing.T, s *staff, db *store.DB, st *walkState, row walkRow, rec *httptest.ResponseRecorder) {
	t.Helper()
	ctx := context.Background()
	switch row.method + " " + row.template {
	case "POST /api/v1/complaints":
		got := decode[created](t, rec)
		rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		st.tracking, st.receipt = got.TrackingNumber, got.ReceiptCode
		if st.complaint, _, err = db.Complaint(ctx, rr.ComplaintID); err != nil {
			t.Fatal(err)
		}
		if st.complaint.AgencyID == 0 || st.complaint.AgreementID == 0 {
			t.Fatalf("the walk's complaint has no agency or agreement: %+v", st.complaint)
		}
		cs, err := db.CaseState(ctx, st.complaint.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.priority = cs.Priority
	case "POST /api/v1/staff/complaints/{id}/referrals":
		refs, err := db.Referrals(ctx, st.complaint.ID)
		if err != nil || len(refs) != 2 {
			t.Fatalf("referrals %v %v", refs, err)
		}
		st.referrals = []int64{refs[0].ID, refs[1].ID}
	case "POST /api/v1/staff/complaints/{id}/evidence":
		ev, err := db.Evidence(ctx, st.complaint.ID)
		if err != nil || len(ev) == 0 {
			t.Fatalf("evidence %v %v", ev, err)
		}
		st.evidence = ev[0].ID
	case "POST /admin/users":
		u, err := s.auth.UserByEmail(ctx, "new@example.org")
		if err != nil {
			t.Fatal(err)
		}
		st.newUser = u.ID
	case "POST /login/totp":
		s.cookies["walker"] = st.pendingCook // the same session, now complete
	case "POST /login", "POST /account/password":
		for _, c := range rec.Result().Cookies() {
			if c.Name != "redress_session" || c.Value == "" {
				continue
			}
			if row.action == redress.ActionLoginPending {
				st.pendingCook = c.Value
			} else {
				s.cookies["walker"] = c.Value
			}
		}
	}
}

// flipped is the priority the walk's triage changes the complaint's to.
func (st *walkState) flipped() string {
	if st.priority == "urgent" {
		return "normal"
	}
	return "urgent"
}

func actions(evs []redress.AuditEvent) string {
	if len(evs) == 0 {
		return "no event"
	}
	var names []string
	for _, ev := range evs {
		names = append(names, ev.Action)
	}
	return strings.Join(names, ", ")
}

func only1(t *testing.T, evs []redress.AuditEvent, action string) redress.AuditEvent {
	t.Helper()
	var found []redress.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s events, want 1: %+v", len(found), action, evs)
	}
	return found[0]
}

// identityRevealed checks a reveal names the fields seen and none of their values (the
// walk's last check looks for the values in every event).
func identityRevealed(t *testing.T, evs []redress.AuditEvent) {
	t.Helper()
	ev := only1(t, evs, redress.ActionIdentityViewed)
	fields, _ := ev.Details["fields"].([]any)
	got := make([]string, len(fields))
	for i, f := range fields {
		got[i], _ = f.(string)
	}
	if want := []string{"name", "email", "phone"}; !slices.Equal(got, want) {
		t.Errorf("identity reveal names fields %v, want %v", got, want)
	}
}

// oldNew checks a change event's old and new values, field by field.
func oldNew(want map[string][2]any) func(t *testing.T, evs []redress.AuditEvent) {
	return func(t *testing.T, evs []redress.AuditEvent) {
		t.Helper()
		for _, ev := range evs {
			old, okOld := ev.Details["old"].(map[string]any)
			nw, okNew := ev.Details["new"].(map[string]any)
			if !okOld || !okNew {
				continue
			}
			for field, w := range want {
				if old[field] != w[0] || nw[field] != w[1] {
					t.Errorf("%s %s: old %v new %v, want %v → %v", ev.Action, field, old[field], nw[field], w[0], w[1])
				}
			}
			return
		}
		t.Errorf("no event with old and new values among %s", actions(evs))
	}
}

// oldNewKeys checks a change event that names its old and new values by its own keys.
func oldNewKeys(oldKey string, oldV any, newKey string, newV any) func(t *testing.T, evs []redress.AuditEvent) {
	return func(t *testing.T, evs []redress.AuditEvent) {
		t.Helper()
		for _, ev := range evs {
			if _, ok := ev.Details[oldKey]; ok {
				if ev.Details[oldKey] != oldV || ev.Details[newKey] != newV {
					t.Errorf("%s: %s %v %s %v, want %v → %v", ev.Action, oldKey, ev.Details[oldKey], newKey, ev.Details[newKey], oldV, newV)
				}
				return
			}
		}
		t.Errorf("no event with %s among %s", oldKey, actions(evs))
	}
}

func part(name string) func(t *testing.T, evs []redress.AuditEvent) {
	return func(t *testing.T, evs []redress.AuditEvent) {
		t.Helper()
		if p := only1(t, evs, redress.ActionComplaintViewed).Details["part"]; p != name {
			t.Errorf("read of %s recorded as part %v", name, p)
		}
	}
}

// anyTag, wanted of a search filter, stands for any keyed tag: free text searched is
// recorded only as one.
const anyTag = "hmac:…"

func searched(want map[string]any) func(t *testing.T, evs []redress.AuditEvent) {
	return func(t *testing.T, evs []redress.AuditEvent) {
		t.Helper()
		ev := only1(t, evs, "complaint.searched")
		got, _ := ev.Details["filters"].(map[string]any)
		if len(got) != len(want) {
			t.Errorf("search filters %v, want %v", got, want)
		}
		for k, v := range want {
			if tag, _ := got[k].(string); v == anyTag && strings.HasPrefix(tag, "hmac:") && len(tag) > len("hmac:") {
				continue
			}
			if got[k] != v {
				t.Errorf("search filter %s = %v, want %v", k, got[k], v)
			}
		}
		if ev.ComplaintID != 0 {
			t.Errorf("a search names complaint %d; it records the query, not the results", ev.ComplaintID)
		}
	}
}
