package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	netmail "net/mail"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// load files complaints (with an email for the receipt) and checks their status through
// every live process, as people behind a load balancer would.
type load struct {
	c     *cluster
	mu    sync.Mutex
	filed []filing // acknowledged: answered 201
	// checks counts acknowledged status checks by tracking number.
	checks   map[string]int
	failures []string
	seq      int
	stopc    chan struct{}
	wg       sync.WaitGroup
}

type filing struct {
	tracking, receipt, email, proc string
	categories                     []string
}

func (c *cluster) startLoad(t *testing.T, clients int) *load {
	ld := &load{c: c, checks: map[string]int{}, stopc: make(chan struct{})}
	for i := range clients {
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			for k := i; ; k++ {
				select {
				case <-ld.stopc:
					return
				default:
				}
				live := c.alive()
				p := live[k%len(live)]
				var err error
				if k/len(live)%3 == 2 {
					err = ld.check(p)
				} else {
					_, err = ld.file(p, true)
				}
				// A request cut off by the kill is the load balancer's to retry; any
				// other failure is the service's.
				if err != nil && !p.dead.Load() {
					ld.mu.Lock()
					ld.failures = append(ld.failures, fmt.Sprintf("%s: %v", p.name, err))
					ld.mu.Unlock()
				}
			}
		}()
	}
	t.Cleanup(ld.stop)
	return ld
}

func (ld *load) stop() {
	select {
	case <-ld.stopc:
	default:
		close(ld.stopc)
	}
	ld.wg.Wait()
}

func (ld *load) acked() int {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return len(ld.filed)
}

func (ld *load) waitAcked(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for ld.acked() < n {
		ld.mu.Lock()
		failures := ld.failures
		ld.mu.Unlock()
		if len(failures) > 0 || time.Now().After(deadline) {
			t.Fatalf("%d complaints acknowledged, waiting for %d; failures: %v", ld.acked(), n, failures)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (ld *load) post(p *proc, path string, v any) (int, map[string]any, error) {
	b, _ := json.Marshal(v)
	resp, err := ld.c.client.Post(p.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(body, &out)
	if err == nil && resp.StatusCode/100 != 2 {
		err = fmt.Errorf("%s: %d %.300s", path, resp.StatusCode, body)
	}
	return resp.StatusCode, out, err
}

// file files a complaint through p, with an address of its own for the receipt when
// withEmail, and keeps it once acknowledged.
func (ld *load) file(p *proc, withEmail bool) (filing, error) {
	ld.mu.Lock()
	ld.seq++
	n := ld.seq
	ld.mu.Unlock()
	f := filing{proc: p.name, categories: []string{"held_past_release"}}
	if n%2 == 0 {
		f.categories = append(f.categories, "force")
	}
	in := map[string]any{"language": "en", "incident_date": "2025-07-25", "agency_id": ld.c.agencyID,
		"categories": f.categories, "filer": "self",
		"narrative": fmt.Sprintf("Complaint %d: I was kept in jail two days after my release date because of an ICE hold.", n)}
	if withEmail {
		f.email = fmt.Sprintf("person%d@example.org", n)
		in["contact"] = map[string]any{"email": f.email}
	}
	_, out, err := ld.post(p, "/api/v1/complaints", in)
	if err != nil {
		return f, err
	}
	f.tracking, _ = out["tracking_number"].(string)
	f.receipt, _ = out["receipt_code"].(string)
	if f.tracking == "" || f.receipt == "" {
		return f, fmt.Errorf("filing answered without a tracking number or receipt code: %v", out)
	}
	ld.mu.Lock()
	ld.filed = append(ld.filed, f)
	ld.mu.Unlock()
	return f, nil
}

// check checks the status of an acknowledged complaint, filed through any process.
func (ld *load) check(p *proc) error {
	ld.mu.Lock()
	if len(ld.filed) == 0 {
		ld.mu.Unlock()
		return nil
	}
	f := ld.filed[mrand.IntN(len(ld.filed))]
	ld.mu.Unlock()
	_, out, err := ld.post(p, "/api/v1/complaints/status", map[string]any{"tracking_number": f.tracking, "receipt_code": f.receipt})
	if err != nil {
		return err
	}
	if out["status"] == nil {
		return fmt.Errorf("status of %s: %v", f.tracking, out)
	}
	ld.mu.Lock()
	ld.checks[f.tracking]++
	ld.mu.Unlock()
	return nil
}

// checkAfter waits for the survivors to finish the mail and the sealing, stops them as
// an operator would, and checks what the service acknowledged against what it kept.
func (c *cluster) checkAfter(t *testing.T, ld *load, victim *proc, held []int64) {
	if len(ld.failures) > 0 {
		t.Errorf("%d requests to live processes failed, first: %s", len(ld.failures), ld.failures[0])
	}
	t.Logf("%d complaints and %d status checks acknowledged; %s was killed", len(ld.filed), len(ld.checks), victim.name)

	// The killed process's claims run out after the lease; a survivor's worker (woken
	// by the load, or every poll) sends them.
	start := time.Now()
	var queued int
	for c.scan(t, &queued, "SELECT count(*) FROM outbox WHERE status <> 'sent'"); queued > 0; c.scan(t, &queued, "SELECT count(*) FROM outbox WHERE status <> 'sent'") {
		if time.Since(start) > mailLease+10*time.Second+grace {
			t.Fatalf("%d emails still not sent %s after the load ended (lease %s)", queued, time.Since(start).Round(time.Second), mailLease)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("outbox empty %s after the load ended", time.Since(start).Round(time.Millisecond))
	// What the killed process had claimed, a survivor sent.
	for _, id := range held {
		var worker string
		c.scan(t, &worker, "SELECT worker FROM outbox_attempts WHERE outbox_id = $1 AND outcome = 'sent'", id)
		if strings.Contains(worker, fmt.Sprintf("-%d-", victim.cmd.Process.Pid)) {
			t.Errorf("outbox message %d, claimed by the killed process, is recorded sent by it", id)
		}
	}
	for _, p := range c.alive() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("%s did not stop cleanly: %v\n%s", p.name, err, p.logs.String())
		}
	}

	c.checkComplaints(t, ld)
	c.checkSealed(t)
	c.checkMail(t, ld)
}

// checkComplaints: every acknowledged complaint is there with its allegations and its
// complaint.filed event, and every acknowledged status check left its event.
func (c *cluster) checkComplaints(t *testing.T, ld *load) {
	missing := 0
	for _, f := range ld.filed {
		var allegations, filedEvents, checkEvents int
		err := c.db.QueryRow(`SELECT
			(SELECT count(*) FROM allegations WHERE complaint_id = c.id),
			(SELECT count(*) FROM audit_events WHERE complaint_id = c.id AND action = 'complaint.filed'),
			(SELECT count(*) FROM audit_events WHERE complaint_id = c.id AND action = 'complaint.status_checked')
			FROM complaints c WHERE tracking_number = $1`, f.tracking).Scan(&allegations, &filedEvents, &checkEvents)
		switch {
		case err != nil:
			missing++
			if missing <= 5 {
				t.Errorf("complaint %s, acknowledged by %s, is not in the database: %v", f.tracking, f.proc, err)
			}
		case allegations != len(f.categories) || filedEvents != 1:
			t.Errorf("complaint %s (by %s): %d allegations, want %d; %d complaint.filed events, want 1",
				f.tracking, f.proc, allegations, len(f.categories), filedEvents)
		case checkEvents < ld.checks[f.tracking]:
			t.Errorf("complaint %s: %d status checks acknowledged, %d recorded", f.tracking, ld.checks[f.tracking], checkEvents)
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged complaints are missing", missing, len(ld.filed))
	}
}

// checkSealed: every event sealed once, seq 1..n without a gap, and the real binary's
// audit verify passes with the processes' key.
func (c *cluster) checkSealed(t *testing.T) {
	var events, unsealed, distinct, maxSeq, minSeq int64
	if err := c.db.QueryRow(`SELECT count(*), count(*) - count(seq), count(DISTINCT seq), coalesce(max(seq), 0), coalesce(min(seq), 0)
		FROM audit_events`).Scan(&events, &unsealed, &distinct, &maxSeq, &minSeq); err != nil {
		t.Fatal(err)
	}
	if unsealed != 0 || distinct != events || minSeq != 1 || maxSeq != events {
		t.Errorf("audit trail: %d events, %d unsealed, %d distinct seq from %d to %d; want each sealed once, 1 to %d",
			events, unsealed, distinct, minSeq, maxSeq, events)
	}
	cmd := exec.Command(redressBinary(t), "audit", "verify", "--database-url", c.dsn, "--data-dir", t.TempDir())
	cmd.Env = append(cmd.Environ(), "REDRESS_AUDIT_KEY="+c.auditKey)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("audit trail OK: %d events", events)) {
		t.Errorf("redress audit verify: %v\n%s", err, out)
	}
	t.Logf("%d audit events; verify: %s", events, lastLine(string(out)))
}

// checkMail: every outbox message reached the SMTP server once (by Message-ID), and
// every acknowledged filing's receipt reached its address once.
func (c *cluster) checkMail(t *testing.T, ld *load) {
	c.smtp.mu.Lock()
	msgs := append([]string(nil), c.smtp.msgs...)
	c.smtp.mu.Unlock()
	byID, byRcpt := map[string]int{}, map[string]int{}
	twice, wrong := 0, 0
	for _, m := range msgs {
		head, data, _ := strings.Cut(m, "\n")
		byRcpt[strings.TrimPrefix(head, "RCPT ")]++
		msg, err := netmail.ReadMessage(strings.NewReader(data))
		if err != nil {
			t.Fatalf("unreadable message: %v", err)
		}
		id := msg.Header.Get("Message-ID")
		byID[id]++
		if byID[id] == 2 {
			twice++
			if twice <= 5 {
				t.Errorf("Message-ID %s reached the server twice (X-Redress-Possible-Duplicate: %q)", id, msg.Header.Get("X-Redress-Possible-Duplicate"))
			}
		}
	}
	rows, err := c.db.Query("SELECT message_key FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	outbox := 0
	for rows.Next() {
		var key string
		rows.Scan(&key)
		outbox++
		if n := byID["<"+key+"@localhost>"]; n != 1 {
			if wrong++; wrong <= 5 {
				t.Errorf("outbox message %s reached the server %d times, want once", key, n)
			}
		}
	}
	if len(byID) != outbox {
		t.Errorf("the server received %d distinct messages, the outbox holds %d", len(byID), outbox)
	}
	for _, f := range ld.filed {
		if f.email != "" && byRcpt[f.email] != 1 {
			if wrong++; wrong <= 10 {
				t.Errorf("the receipt of %s (filed through %s) reached %s %d times, want once", f.tracking, f.proc, f.email, byRcpt[f.email])
			}
		}
	}
	if twice+wrong > 0 {
		t.Errorf("%d messages reached the server more than once; %d outbox messages or receipts not exactly once", twice, wrong)
	}
	t.Logf("%d messages at the SMTP server, %d in the outbox", len(msgs), outbox)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}
