package web_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// smtpInbox is a real SMTP server on loopback that keeps each message with its
// recipient.
type smtpInbox struct {
	mu   sync.Mutex
	msgs []smtpMsg
}

type smtpMsg struct{ to, body string }

func (in *smtpInbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSess{in: in}, nil }

type smtpSess struct {
	in *smtpInbox
	to string
}

func (s *smtpSess) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *smtpSess) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }
func (s *smtpSess) Data(r io.Reader) error {
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, smtpMsg{to: s.to, body: string(b)})
	s.in.mu.Unlock()
	return err
}
func (s *smtpSess) Reset()        {}
func (s *smtpSess) Logout() error { return nil }

func startInbox(t *testing.T) (string, *smtpInbox) {
	in := &smtpInbox{}
	srv := smtp.NewServer(in)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "smtp://" + ln.Addr().String(), in
}

// The assignment notice and the supervisors' overdue digest travel through the outbox
// to a real SMTP server, once each, to the right people, without complainant details.
func TestCaseEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		smtpURL, inbox := startInbox(t)
		worker, err := mail.NewWorker(db, s.box, mail.Config{SMTPURL: smtpURL, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		// The receipt emails of the two complaints newStaff filed are in the outbox too.
		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		inbox.mu.Lock()
		inbox.msgs = nil
		inbox.mu.Unlock()

		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		if code, body := s.post("intake", base+"/assign", url.Values{"assignee": {strconv.FormatInt(s.users["investigator"].ID, 10)}}); code != 303 {
			t.Fatalf("assign: %d %s", code, body)
		}
		// A clock of the Texas complaint is overdue; the digest goes to the Texas supervisor.
		if _, err := db.Bun().NewRaw("UPDATE complaint_clocks SET due_at = ? WHERE complaint_id = ? AND clock = 'triage'",
			time.Now().Add(-time.Hour).UTC(), s.txCase).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		cases := &casework.Service{DB: db, Box: s.box, Catalog: mustCatalog(t), PublicURL: "https://redress.example"}
		n, err := cases.QueueOverdueDigest(ctx, time.Now(), []casework.DigestRecipient{
			{User: s.users["supervisor"], Units: []string{"tx"}},
			{User: s.users["other_unit"], Units: []string{"fl"}}, // nothing overdue in Florida
		})
		if err != nil || n != 1 {
			t.Fatalf("digest: %d %v", n, err)
		}
		// A second run records no second miss.
		if missed, _ := db.ListAudit(ctx, redress.AuditFilter{Action: "deadline.missed"}); len(missed) != 1 || missed[0].Actor != "system" {
			t.Fatalf("missed-deadline events %+v", missed)
		}
		// The digest queued is an event naming its recipient, by the system actor.
		if dg, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionDigestSent}); len(dg) != 1 || dg[0].Actor != "system" ||
			dg[0].Details["user_id"] != float64(s.users["supervisor"].ID) || dg[0].Details["overdue"] != float64(1) {
			t.Fatalf("digest events %+v", dg)
		}
		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		c, _, _ := db.Complaint(ctx, s.txCase)
		inbox.mu.Lock()
		msgs := inbox.msgs
		inbox.mu.Unlock()
		if len(msgs) != 2 {
			t.Fatalf("%d messages, want the assignment and the digest: %+v", len(msgs), msgs)
		}
		for _, m := range msgs {
			switch m.to {
			case "investigator@example.org":
				if !strings.Contains(m.body, c.TrackingNumber) || !strings.Contains(m.body, "1 complaint was assigned to you") ||
					strings.Contains(m.body, "(s)") {
					t.Errorf("assignment email:\n%s", m.body)
				}
			case "supervisor@example.org":
				if !strings.Contains(m.body, c.TrackingNumber) || !strings.Contains(m.body, "Triage") {
					t.Errorf("digest email:\n%s", m.body)
				}
			default:
				t.Errorf("email to %s", m.to)
			}
			if strings.Contains(m.body, "ana@example.org") || strings.Contains(m.body, "fianza") {
				t.Errorf("email to %s carries complainant details", m.to)
			}
		}
	})
}

func mustCatalog(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// When the review office writes to a complainant, one who gave an email address is told
// in their language that a message waits and where to read it, through the outbox and a
// real SMTP server: never the message, never the receipt code. A complainant who filed
// anonymously, or gave no email address, gets nothing.
func TestMessageNoticeEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cat := mustCatalog(t)
		smtpURL, inbox := startInbox(t)
		worker, err := mail.NewWorker(db, s.box, mail.Config{SMTPURL: smtpURL, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		type complainant struct {
			id                int64
			tracking, receipt string
		}
		file := func(change func(in map[string]any)) complainant {
			t.Helper()
			in := validComplaint(0)
			delete(in, "agency_id")
			in["state"] = "TX"
			change(in)
			got := decode[created](t, s.postJSON("/api/v1/complaints", in))
			rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			return complainant{rr.ComplaintID, got.TrackingNumber, got.ReceiptCode}
		}
		spanish := file(func(map[string]any) {}) // ana@example.org, in Spanish
		english := file(func(in map[string]any) {
			in["language"] = "en"
			in["contact"] = map[string]any{"name": "Sam Lee", "email": "sam@example.org"}
		})
		anonymous := file(func(in map[string]any) { in["anonymous"] = true })
		phoneOnly := file(func(in map[string]any) { in["contact"] = map[string]any{"phone": "+1 713 555 0101"} })
		// The receipt emails of the filings go first.
		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		inbox.mu.Lock()
		inbox.msgs = nil
		inbox.mu.Unlock()

		const content = "Please send the bail receipt from 12 July; Deputy Ruiz says it was lost"
		send := func(c complainant, viaAPI, wantEmailed bool) {
			t.Helper()
			path := "/staff/complaints/" + strconv.FormatInt(c.id, 10) + "/messages"
			if viaAPI {
				rec := s.cfReq("investigator", "POST", "/api/v1"+path, "application/json",
					[]byte(`{"body":"`+content+`"}`))
				got := decode[struct{ Emailed bool }](t, rec)
				if rec.Code != 201 || got.Emailed != wantEmailed {
					t.Fatalf("API message to %s: %d emailed=%v", c.tracking, rec.Code, got.Emailed)
				}
				return
			}
			rec := s.cfReq("investigator", "POST", path, formType, []byte(url.Values{"body": {content}}.Encode()))
			if rec.Code != 303 || strings.Contains(rec.Header().Get("Location"), "filed=message_emailed") != wantEmailed {
				t.Fatalf("message to %s: %d %s", c.tracking, rec.Code, rec.Header().Get("Location"))
			}
		}
		send(spanish, false, true)
		send(english, true, true)
		send(anonymous, false, false)
		send(phoneOnly, true, false)

		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		inbox.mu.Lock()
		msgs := inbox.msgs
		inbox.mu.Unlock()
		if len(msgs) != 2 {
			t.Fatalf("%d emails, want one each to the two complainants with an address: %+v", len(msgs), msgs)
		}
		want := map[string]struct {
			c    complainant
			lang string
		}{"ana@example.org": {spanish, "es"}, "sam@example.org": {english, "en"}}
		for _, m := range msgs {
			w, ok := want[m.to]
			if !ok {
				t.Fatalf("email to %s", m.to)
			}
			delete(want, m.to)
			body := strings.ReplaceAll(m.body, "\r\n", "\n")
			data := map[string]any{"Tracking": w.c.tracking, "StatusURL": "https://redress.example/status?lang=" + w.lang} // the link opens in the complaint's language
			for _, text := range []string{
				"Subject: " + cat.T(w.lang, "email.message.subject", nil),
				"Content-Language: " + w.lang,
				cat.T(w.lang, "email.message.new", data),
				cat.T(w.lang, "email.message.read", data),
				cat.T(w.lang, "email.message.privacy", nil),
			} {
				if !strings.Contains(body, text) {
					t.Errorf("email to %s lacks %q:\n%s", m.to, text, body)
				}
			}
			for _, secret := range []string{content, "bail receipt", "Ruiz", w.c.receipt, "fianza"} {
				if strings.Contains(body, secret) {
					t.Errorf("email to %s gives away %q", m.to, secret)
				}
			}
		}
		// Nothing waits in the outbox for the other two either.
		for _, c := range []complainant{anonymous, phoneOnly} {
			var n int
			if err := db.Bun().NewRaw("SELECT count(*) FROM outbox WHERE complaint_id = ? AND kind = 'complaint.message'", c.id).
				Scan(ctx, &n); err != nil || n != 0 {
				t.Errorf("%s: %d notices queued %v", c.tracking, n, err)
			}
		}
	})
}
