package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/logtest"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Many processes, one service (issue 14, docs/deployment.md): three real `redress serve`
// processes share one PostgreSQL database, a real SMTP server and their keys; load goes to
// all three; the process holding the audit sealer's lock is SIGKILLed in the middle of a
// sealing transaction while it also holds claimed, unsent mail; the load goes on through
// the other two. Afterwards nothing acknowledged is missing, every event is sealed once
// and `redress audit verify` passes, every email reached the server once, and a role
// change and a routing change made through one process hold in the others.
//
// PostgreSQL only: SQLite is one file on one machine, served by one process.
func TestThreeProcessesOneService(t *testing.T) {
	began := time.Now()
	c := newCluster(t, storetest.PostgresDSN(t))
	t.Logf("binary built, schema migrated, three processes up: %s", time.Since(began).Round(time.Millisecond))
	ld := c.startLoad(t, 6)
	ld.waitAcked(t, 30, 60*time.Second)

	c.checkRoleGrant(t)
	c.checkRoutingChange(t, ld)

	victim, held := c.killSealer(t)
	before := ld.acked()
	ld.waitAcked(t, before+30, 60*time.Second) // the survivors carry the load
	c.checkRoleRevoke(t)
	ld.stop()

	c.checkAfter(t, ld, victim, held)
	t.Logf("done in %s", time.Since(began).Round(time.Millisecond))
}

// mailTimeout and mailLease are the processes' --mail-timeout and --mail-lease: short,
// so the killed process's claimed mail is the survivors' to send within the test.
const (
	mailTimeout = 4 * time.Second
	mailLease   = 16 * time.Second
	// authzWatch is how often serve reloads role assignments (serve.go).
	authzWatch = 2 * time.Second
	// filingCacheBound is how soon a routing change reaches another process's filings
	// (store.DefaultFilingCacheInterval, docs/deployment.md).
	filingCacheBound = time.Second
	// grace is what a loaded, shared 2-core machine may add to those bounds.
	grace = 5 * time.Second
)

type proc struct {
	name string // a, b, c: also in application_name, so pg_stat_activity tells them apart
	base string
	cmd  *exec.Cmd
	logs *logtest.Buffer
	dead atomic.Bool
}

type cluster struct {
	dsn      string
	db       *sql.DB // the test's own connection, in the same schema
	procs    []*proc
	smtp     *inbox
	env      []string
	auditKey string
	tokens   map[string]string // admin1, admin2, probe → API token
	probeID  int64
	agencyID int64
	client   *http.Client
}

func newCluster(t *testing.T, dsn string) *cluster {
	c := &cluster{dsn: dsn, tokens: map[string]string{},
		client: &http.Client{Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db

	mustRun(t, dsn, "migrate")
	mustRun(t, dsn, "unit", "add", "--name", "tx", "--title", "Texas", "--states", "TX")
	mustRun(t, dsn, "unit", "add", "--name", "special", "--title", "Special review")
	for _, who := range []string{"admin1", "admin2"} {
		mustRun(t, dsn, "user", "add", "--email", who+"@example.org", "--name", who, "--role", "administrator", "--unit", "*",
			"--public-url", "https://redress.example/")
	}
	mustRun(t, dsn, "user", "add", "--email", "probe@example.org", "--name", "Probe", "--public-url", "https://redress.example/")
	for _, who := range []string{"admin1", "admin2", "probe"} {
		c.tokens[who] = strings.TrimSpace(mustRun(t, dsn, "token", "create", "--email", who+"@example.org", "--name", "three processes"))
	}
	c.scan(t, &c.probeID, "SELECT id FROM users WHERE email = 'probe@example.org'")

	secret, seed := make([]byte, 32), make([]byte, 32)
	rand.Read(secret)
	rand.Read(seed)
	c.auditKey = base64.StdEncoding.EncodeToString(seed)
	smtpAddr, in := startSMTP(t)
	c.smtp = in
	c.env = []string{"REDRESS_SECRET_KEY=" + hex.EncodeToString(secret), "REDRESS_AUDIT_KEY=" + c.auditKey,
		"REDRESS_SMTP_URL=smtp://" + smtpAddr, "REDRESS_PUBLIC_URL=https://redress.example",
		"REDRESS_FILING_LIMIT=0", "REDRESS_LOGIN_LIMIT=0", "REDRESS_ADMIN_EMAIL=admin1@example.org",
		"REDRESS_MAIL_TIMEOUT=" + mailTimeout.String(), "REDRESS_MAIL_LEASE=" + mailLease.String(),
		"REDRESS_AUDIT_CHECKPOINT_INTERVAL=2s"}
	// One after another: the first seeds the registry before it listens.
	for _, name := range []string{"a", "b", "c"} {
		u, _ := url.Parse(dsn)
		q := u.Query()
		q.Set("application_name", "redress-"+name)
		u.RawQuery = q.Encode()
		addr, cmd, logs := startBinary(t, 90*time.Second, append(c.env, "REDRESS_DATABASE_URL="+u.String())...)
		c.procs = append(c.procs, &proc{name: name, base: "http://" + addr, cmd: cmd, logs: logs})
	}

	resp, err := c.client.Get(c.procs[0].base + "/api/v1/agencies?state=TX&q=aransas%20county%20sheriff")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Agencies []struct{ ID int64 } }
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Agencies) == 0 {
		t.Fatal("no Aransas County agency in the seeded registry")
	}
	c.agencyID = list.Agencies[0].ID
	return c
}

func (c *cluster) scan(t *testing.T, dest any, query string, args ...any) {
	t.Helper()
	if err := c.db.QueryRow(query, args...).Scan(dest); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (c *cluster) alive() []*proc {
	var out []*proc
	for _, p := range c.procs {
		if !p.dead.Load() {
			out = append(out, p)
		}
	}
	return out
}

// admin posts an administrator's form to p as who (an API token) and returns the
// status and where it redirects.
func (c *cluster) admin(t *testing.T, p *proc, who, path string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+c.tokens[who])
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("%s on %s: %v", path, p.name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s on %s as %s: %d, want 303\n%.500s", path, p.name, who, resp.StatusCode, body)
	}
	return resp.StatusCode, resp.Header.Get("Location")
}

// probeStatus is what process p answers the probe account asking for the staff queue.
func (c *cluster) probeStatus(t *testing.T, p *proc) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.base+"/api/v1/staff/complaints", nil)
	req.Header.Set("Authorization", "Bearer "+c.tokens["probe"])
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("queue on %s: %v", p.name, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitProbe polls every live process but except until each answers the probe with want,
// failing after the watch interval and grace.
func (c *cluster) waitProbe(t *testing.T, except *proc, want int, what string) {
	t.Helper()
	start := time.Now()
	for _, p := range c.alive() {
		if p == except {
			continue
		}
		for got := c.probeStatus(t, p); got != want; got = c.probeStatus(t, p) {
			if time.Since(start) > authzWatch+grace {
				t.Fatalf("%s through %s: process %s still answers %d after %s (roles are reloaded every %s)",
					what, except.name, p.name, got, time.Since(start).Round(time.Millisecond), authzWatch)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("%s through %s: every other process enforced it within %s", what, except.name, time.Since(start).Round(time.Millisecond))
}

// checkRoleGrant: an administrator asks on a, a second approves on b (a role that reads
// complaints takes two), and the role holds on c and every other within the watch
// interval.
func (c *cluster) checkRoleGrant(t *testing.T) {
	a, b := c.procs[0], c.procs[1]
	for _, p := range c.procs {
		if got := c.probeStatus(t, p); got != http.StatusForbidden {
			t.Fatalf("before the grant, %s answers the probe %d, want 403", p.name, got)
		}
	}
	form := url.Values{"role": {"oversight_auditor"}, "unit": {"*"}}
	_, loc := c.admin(t, a, "admin1", fmt.Sprintf("/admin/users/%d/roles", c.probeID), form)
	if strings.Contains(loc, "pending") {
		var grant int64
		c.scan(t, &grant, "SELECT id FROM role_grants WHERE user_id = $1 AND state = 'pending'", c.probeID)
		c.admin(t, b, "admin2", fmt.Sprintf("/admin/grants/%d", grant), url.Values{"op": {"approve"}})
		c.waitProbe(t, b, http.StatusOK, "role granted (asked on a, approved)")
		return
	}
	c.waitProbe(t, a, http.StatusOK, "role granted")
}

// checkRoleRevoke takes the role back through one survivor; the other refuses at once.
func (c *cluster) checkRoleRevoke(t *testing.T) {
	p := c.alive()[0]
	c.admin(t, p, "admin1", fmt.Sprintf("/admin/users/%d/roles", c.probeID),
		url.Values{"op": {"remove"}, "role": {"oversight_auditor"}, "unit": {"*"}})
	c.waitProbe(t, p, http.StatusForbidden, "role taken back")
}

// checkRoutingChange adds a routing rule through a (Texas complaints to the special
// unit) and files through b and c until their filings use it, within the filing
// cache's bound.
func (c *cluster) checkRoutingChange(t *testing.T, ld *load) {
	a := c.procs[0]
	c.admin(t, a, "admin1", "/admin/routing", url.Values{"kind": {"unit"}, "state": {"TX"}, "unit": {"special"}})
	changed := time.Now()
	for _, p := range c.procs[1:] {
		for {
			f, err := ld.file(p, false)
			if err != nil {
				t.Fatalf("filing through %s: %v", p.name, err)
			}
			var unit string
			c.scan(t, &unit, "SELECT unit FROM complaints WHERE tracking_number = $1", f.tracking)
			if unit == "special" {
				break
			}
			if time.Since(changed) > filingCacheBound+grace {
				t.Fatalf("%s after the routing change through a: %s still files into %q (the filing cache's bound is %s)",
					time.Since(changed).Round(time.Millisecond), p.name, unit, filingCacheBound)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("routing rule added through a: b and c filed by it within %s", time.Since(changed).Round(time.Millisecond))
}

// killSealer SIGKILLs the process that is sealing the audit trail, in the middle of its
// sealing transaction, while it holds claimed mail it has not sent, and returns it with
// the outbox ids it held.
//
// The sealing lock is transaction-scoped (store.SealAudit): held for the milliseconds
// of one batch, by whichever process's sealer got it. To kill a holder mid-transaction
// rather than just after, the test holds SHARE on audit_events, so the next sealing
// transaction stops at its UPDATE with the lock held; pg_locks and pg_stat_activity's
// application_name name its process. And the SMTP server holds every MAIL command, so
// each process's mail worker sits in a session with its batch claimed. Then the kill;
// then both are let go. Filings wait on the table lock meanwhile (under a second).
// Should the holder have no claim at that moment, both are let go and it is tried again.
func (c *cluster) killSealer(t *testing.T) (*proc, []int64) {
	for try := 1; try <= 5; try++ {
		if victim, held := c.tryKillSealer(t); victim != nil {
			return victim, held
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("in 5 tries, no process was caught holding the sealing lock and claimed, unsent mail while the gates held (the log says why each try ended)")
	return nil, nil
}

// claims returns the outbox ids each process holds a live claim on.
func (c *cluster) claims(t *testing.T) map[*proc][]int64 {
	held := map[*proc][]int64{}
	rows, err := c.db.Query("SELECT id, claimed_by FROM outbox WHERE status = 'queued' AND claimed_until > now()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var w string
		if err := rows.Scan(&id, &w); err != nil {
			t.Fatal(err)
		}
		for _, p := range c.procs {
			if strings.Contains(w, fmt.Sprintf("-%d-", p.cmd.Process.Pid)) {
				held[p] = append(held[p], id)
			}
		}
	}
	return held
}

func (c *cluster) tryKillSealer(t *testing.T) (*proc, []int64) {
	gate := make(chan struct{})
	c.smtp.mu.Lock()
	c.smtp.gate, c.smtp.gateMax = gate, mailTimeout/2
	c.smtp.mu.Unlock()
	defer func() {
		c.smtp.mu.Lock()
		c.smtp.gate = nil
		c.smtp.mu.Unlock()
		close(gate)
	}()
	start := time.Now()
	// Wait until every process holds claims (or a second has passed), and every attempt
	// on record as sending is one parked at the gate: none is past DATA, its outcome
	// not yet written, which a kill would turn into a real duplicate.
	for {
		var sending int
		c.scan(t, &sending, "SELECT count(*) FROM outbox_attempts WHERE outcome = 'sending'")
		c.smtp.mu.Lock()
		parked := c.smtp.parked
		c.smtp.mu.Unlock()
		if sending == parked && (len(c.claims(t)) == len(c.procs) || time.Since(start) > time.Second) {
			break
		}
		if time.Since(start) > c.smtp.gateMax/2 {
			t.Logf("%d attempts sending, %d parked at the gate: again", sending, parked)
			return nil, nil
		}
		time.Sleep(10 * time.Millisecond)
	}

	tx, err := c.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE audit_events IN SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	var holder string
	for holder == "" {
		err := tx.QueryRow(`SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objsubid = 2
			AND l.objid = hashtext(current_schema())::oid`, 287_0006).Scan(&holder)
		if err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if holder == "" && time.Since(start) > c.smtp.gateMax {
			t.Logf("no process took the sealing lock in %s: again", time.Since(start).Round(time.Millisecond))
			return nil, nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	var victim *proc
	for _, p := range c.procs {
		if holder == "redress-"+p.name {
			victim = p
		}
	}
	if victim == nil {
		t.Fatalf("the sealing lock is held by %q, none of the three", holder)
	}
	held := c.claims(t)[victim]
	if len(held) == 0 {
		t.Logf("%s holds the sealing lock but no claimed mail; again", victim.name)
		return nil, nil
	}
	if time.Since(start) > c.smtp.gateMax-500*time.Millisecond {
		// The gate lets sessions go at gateMax: a message could then be handed over
		// and its outcome wait on our table lock, and the kill make it a duplicate.
		t.Logf("%s after the gates closed, too near their end: again", time.Since(start).Round(time.Millisecond))
		return nil, nil
	}
	victim.dead.Store(true) // the load balancer stops sending it requests
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	t.Logf("killed %s (pid %d) mid-seal, holding %d claimed emails, %s after the gates closed",
		victim.name, victim.cmd.Process.Pid, len(held), time.Since(start).Round(time.Millisecond))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return victim, held
}
