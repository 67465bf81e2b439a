package mail_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	netmail "net/mail"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The environment that makes TestHelperSendOutbox a worker process for
// TestSenderKilledDuringDATA.
const (
	helperDSN  = "REDRESS_TEST_MAIL_HELPER_DSN"
	helperSMTP = "REDRESS_TEST_MAIL_HELPER_SMTP"
)

// childConfig gives the killed worker an SMTP timeout far longer than the test needs,
// so it is the kill, never a timeout, that ends its attempt.
func childConfig(f *fixture, addr string) mail.Config {
	cfg := f.config(addr)
	cfg.WorkerID, cfg.Timeout, cfg.Lease = "doomed", 2*time.Minute, 8*time.Minute
	return cfg
}

// TestHelperSendOutbox is not a test: run by TestSenderKilledDuringDATA in a process
// of its own, it sends the outbox until it is killed.
func TestHelperSendOutbox(t *testing.T) {
	dsn := os.Getenv(helperDSN)
	if dsn == "" {
		t.Skip("a helper process of TestSenderKilledDuringDATA")
	}
	db, err := store.Open(context.Background(), dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	w, err := mail.NewWorker(db, f.box, childConfig(f, os.Getenv(helperSMTP)))
	if err != nil {
		t.Fatal(err)
	}
	w.Drain(context.Background())
	t.Fatal("the worker finished; it should have been killed during DATA")
}

// A worker killed after handing a message over (DATA sent, the server's answer not yet
// read) never records how it went. The message is sent again once the lease runs out,
// as before (delivery matters more than a duplicate), but now the attempt was on record
// before DATA, so the resend is flagged: a header, the log, the audit event.
func TestSenderKilledDuringDATA(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		f := newFixture(t, db)
		in := &inbox{}
		inData := make(chan struct{})
		release := make(chan struct{})
		var first atomic.Bool
		in.setRefuse(func(stage string) error {
			// The first message's data is in; the server holds its answer until the
			// worker that sent it is dead.
			if stage == "data" && first.CompareAndSwap(false, true) {
				close(inData)
				<-release
			}
			return nil
		})
		addr := serveSMTP(t, "127.0.0.1:0", in, nil)
		c := f.fileComplaint(t, "RX-7K4M-2Q9K", "en", "ana@example.org")

		child := exec.Command(os.Args[0], "-test.run=^TestHelperSendOutbox$", "-test.count=1")
		child.Env = append(os.Environ(), helperDSN+"="+dsn, helperSMTP+"="+addr)
		var childOut bytes.Buffer
		child.Stdout, child.Stderr = &childOut, &childOut
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-inData:
		case <-time.After(2 * time.Minute):
			child.Process.Kill()
			child.Wait()
			t.Fatalf("the worker process never sent DATA:\n%s", childOut.String())
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		child.Wait()
		close(release) // the server keeps the message: it may well have arrived

		out := f.outbox(t)
		if len(out) != 1 || out[0].Status != store.MailQueued {
			t.Fatalf("outbox after the kill = %+v", out)
		}
		attempts, err := db.OutboxAttempts(ctx, out[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(attempts) != 1 || attempts[0].Outcome != "sending" || attempts[0].Worker != "doomed" {
			t.Fatalf("attempts after the kill = %+v, want one still sending, by the killed worker", attempts)
		}

		// The lease runs out; another worker sends the message again, flagged.
		f.advance(8*time.Minute + time.Second)
		drain(t, f.worker(t, f.config(addr)), mail.Result{Sent: 1})
		msgs := in.messages()
		if len(msgs) != 2 {
			t.Fatalf("server received %d messages, want the first and its resend", len(msgs))
		}
		var ids []string
		for i, m := range msgs {
			msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, msg.Header.Get("Message-ID"))
			flag := msg.Header.Get("X-Redress-Possible-Duplicate")
			if want := map[int]string{0: "", 1: "yes"}[i]; flag != want {
				t.Errorf("message %d: X-Redress-Possible-Duplicate = %q, want %q", i+1, flag, want)
			}
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Errorf("Message-IDs %q: a resend must be the same message", ids)
		}
		attempts, err = db.OutboxAttempts(ctx, out[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		for _, a := range attempts {
			outcomes = append(outcomes, a.Outcome)
		}
		if strings.Join(outcomes, ",") != "interrupted,sent" {
			t.Errorf("attempt outcomes %v, want interrupted,sent", outcomes)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionMailSent})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Details["possible_duplicate"] != true || evs[0].Details["attempt"] != float64(2) {
			t.Fatalf("mail.sent events = %+v, want one flagged possible_duplicate, attempt 2", evs)
		}
		if !strings.Contains(f.logs.String(), "interrupted attempt may have delivered") {
			t.Errorf("the log does not flag the resend:\n%s", f.logs.String())
		}
		assertNoContact(t, "log", f.logs.String())
		assertNoContact(t, "audit details", detailsJSON(evs))
	})
}
