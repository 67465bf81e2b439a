package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A complainant who writes or sends a file after their case closed (the outcome page
// invites them to) puts it back on the investigator's desk, and the investigator is
// told by email through a real SMTP server: the tracking number and a link to the case
// page, in the office's language, nothing of what was sent. A case no one is assigned
// emails no one and shows on the unit's desk.
func TestReplyAfterClosingEmailsInvestigator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cat := mustCatalog(t)
		smtpURL, inbox := startInbox(t)
		worker, err := mail.NewWorker(db, s.box, mail.Config{SMTPURL: smtpURL, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		id, tracking, receipt := s.filed()
		_, tracking2, receipt2 := s.filed()
		if code, body := s.post("supervisor", "/staff/complaints/"+strconv.FormatInt(id, 10)+"/assign",
			url.Values{"assignee": {strconv.FormatInt(s.users["investigator"].ID, 10)}}); code != 303 {
			t.Fatalf("assign: %d %s", code, body)
		}
		if _, err := db.Bun().NewRaw("UPDATE complaints SET status = ?, closed_at = ? WHERE id = ?",
			redress.StatusClosed, time.Now().UTC(), id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		// The receipts and the assignment go first.
		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		inbox.mu.Lock()
		inbox.msgs = nil
		inbox.mu.Unlock()

		const content = "Deputy Ruiz took my papers at the Harris jail"
		s.replyAs(tracking, receipt, content)
		ct, body := multipartForm(t, url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}, "papeles ruiz.png", pngFile)
		if rec := s.do("POST", "/status/evidence", ct, body, "RemoteAddr", "203.0.113.51:1"); rec.Code != 200 {
			t.Fatalf("upload after closing: %d\n%s", rec.Code, rec.Body)
		}
		// No one is assigned the other: no email, and it waits on the unit's desk.
		s.replyAs(tracking2, receipt2, content)

		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		inbox.mu.Lock()
		msgs := inbox.msgs
		inbox.mu.Unlock()
		if len(msgs) != 2 {
			t.Fatalf("%d emails, want two to the investigator (the reply, the file): %+v", len(msgs), msgs)
		}
		data := map[string]any{"Tracking": tracking, "Link": "https://redress.example/staff/complaints/" + strconv.FormatInt(id, 10)}
		for i, kind := range []string{"reply", "evidence"} {
			m := msgs[i]
			text := strings.ReplaceAll(m.body, "\r\n", "\n")
			if m.to != "investigator@example.org" {
				t.Errorf("email %d to %s", i, m.to)
			}
			for _, want := range []string{"Subject: " + cat.T("en", "email.activity.subject", data), cat.T("en", "email.activity."+kind, data),
				cat.T("en", "email.activity.open", data)} {
				if !strings.Contains(text, want) {
					t.Errorf("email %d lacks %q:\n%s", i, want, text)
				}
			}
			for _, secret := range []string{content, "Ruiz", "papeles", receipt, tracking2, "ana@example.org"} {
				if strings.Contains(text, secret) {
					t.Errorf("email %d gives away %q", i, secret)
				}
			}
		}
		if counts, _, _ := s.desk("investigator"); counts["unread_mine"] != 1 {
			t.Errorf("the closed case with a reply is not on the investigator's desk: %v", counts)
		}
		if counts, _, _ := s.desk("supervisor"); counts["unread_unassigned"] != 1 {
			t.Errorf("the unassigned case with a reply is not on the unit's desk: %v", counts)
		}
	})
}
