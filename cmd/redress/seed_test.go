package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

const seedPassword = "tulip canyon ferry 47 seed"

var (
	trackingRE = regexp.MustCompile(`RX-[0-9A-Z]{4}-[0-9A-Z]{4}`)
	caseLinkRE = regexp.MustCompile(`href="/staff/complaints/(\d+)"`)
)

// redress seed on each dialect, then the application's own read paths over what it
// made: a supervisor's queue and a case page, a status check with a generated receipt,
// the clocks' due times by internal/deadline, the audit trail verified; and the refusal
// of a database holding a complaint filed for real.
func TestSeedCommand(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		dataDir := t.TempDir()
		env := map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": dataDir, "REDRESS_AUDIT_KEY": testAuditKey,
			"REDRESS_SEED_STAFF_PASSWORD": seedPassword}
		receipts := filepath.Join(dataDir, "receipts.csv")
		out, errOut, err := runCLI(t, env, "seed", "--complaints", "300", "--years", "3", "--receipts", receipts)
		if err != nil || !strings.Contains(out, "generated 300 complaints") {
			t.Fatalf("seed: %v\n%s\n%s", err, out, errOut)
		}
		pairs := readReceipts(t, receipts)
		if len(pairs) != 300 {
			t.Fatalf("%d receipts written, want 300", len(pairs))
		}
		checkClocks(t, dsn)
		verifyAudit(t, env)

		base, _, stop := startServe(t, env)
		client := signIn(t, base, "other-states-supervisor-1@example.org")
		queue := get(t, client, base+"/staff/complaints")
		listed := trackingRE.FindAllString(queue, -1)
		if len(listed) == 0 {
			t.Fatalf("the supervisor's queue lists no complaint:\n%.2000s", queue)
		}
		for _, tn := range listed {
			if _, ok := pairs[tn]; !ok {
				t.Fatalf("the queue lists %s, which the generator did not make", tn)
			}
		}
		m := caseLinkRE.FindStringSubmatch(queue)
		if m == nil {
			t.Fatal("the queue links no case page")
		}
		if page := get(t, client, base+"/staff/complaints/"+m[1]); !trackingRE.MatchString(page) {
			t.Fatalf("case page %s shows no tracking number:\n%.2000s", m[1], page)
		}
		checkStatus(t, base, pairs)

		// A complaint filed for real: the generator now refuses the database.
		code, _ := postJSON(t, base+"/api/v1/complaints", map[string]any{"language": "en", "incident_date": "2025-07-20",
			"state": "TX", "categories": []string{"force"}, "filer": "self", "narrative": "They pushed me."})
		if code != http.StatusCreated {
			t.Fatalf("filing a real complaint: %d", code)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		_, errOut, err = runCLI(t, env, "seed", "--complaints", "10", "--years", "1")
		if err == nil || !strings.Contains(errOut+err.Error(), "1 of them not made by the generator") {
			t.Fatalf("seed over a real complaint: %v\n%s", err, errOut)
		}
		if out, errOut, err := runCLI(t, env, "seed", "--complaints", "10", "--years", "1", "--force"); err != nil ||
			!strings.Contains(out, "generated 10 complaints") {
			t.Fatalf("seed --force: %v\n%s\n%s", err, out, errOut)
		}
		verifyAudit(t, env)
	})
}

func readReceipts(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for line := range strings.Lines(string(b)) {
		tn, code, _ := strings.Cut(strings.TrimSpace(line), ",")
		pairs[tn] = code
	}
	return pairs
}

func verifyAudit(t *testing.T, env map[string]string) {
	t.Helper()
	out, errOut, err := runCLI(t, env, "audit", "verify")
	if err != nil || !strings.HasPrefix(out, "audit trail OK") || !strings.Contains(out, " 0 unsealed") {
		t.Fatalf("audit verify: %v\n%s\n%s", err, out, errOut)
	}
}

// checkClocks reads every generated clock and, for those that never stood paused,
// checks the due time is internal/deadline's from its start (the seeded units keep
// the default deadlines); and that old cases are mostly closed and recent ones open.
func checkClocks(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, dsn)
	rules := deadline.Defaults()
	var cs []redress.QueueRow
	for {
		page, _, err := db.SearchComplaints(ctx, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true, Limit: 50, Offset: len(cs)}})
		if err != nil {
			t.Fatal(err)
		}
		if cs = append(cs, page...); len(page) == 0 {
			break
		}
	}
	checked, open, recent := 0, 0, 0
	for _, c := range cs {
		if c.ReceivedAt.After(db.Now().AddDate(0, -1, 0)) {
			recent++
			if c.Status != redress.StatusClosed && c.Status != redress.StatusWithdrawn {
				open++
			}
		}
		clocks, err := db.Clocks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range clocks {
			rule, ok := rules.Clock(k.Name)
			if !ok {
				t.Fatalf("complaint %d has a clock %q the rules do not define", c.ID, k.Name)
			}
			// A clock that pauses is due later by each pause (deadline.Resume), never earlier.
			want := deadline.Due(k.StartedAt, rule, rules.Loc())
			if !k.DueAt.Equal(want) && (!rule.Pauses || k.DueAt.Before(want)) {
				t.Fatalf("complaint %d clock %s: due %s, deadline.Due says %s", c.ID, k.Name, k.DueAt, want)
			}
			checked++
		}
	}
	if len(cs) != 300 || checked < 600 || recent == 0 || open*2 < recent {
		t.Fatalf("%d complaints, %d clocks checked, %d of %d received in the last month open", len(cs), checked, open, recent)
	}
}

// signIn signs in with the password the generator gave its accounts.
func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {seedPassword}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(resp.Request.URL.Path, "/login") {
		t.Fatalf("sign in as %s: %d at %s\n%.1000s", email, resp.StatusCode, resp.Request.URL, body)
	}
	return client
}

func get(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.1000s", url, resp.StatusCode, body)
	}
	return string(body)
}

// checkStatus proves a generated receipt through the status API, as a complainant
// would, and a wrong one refused.
func checkStatus(t *testing.T, base string, pairs map[string]string) {
	t.Helper()
	for tn, code := range pairs {
		status, out := postJSON(t, base+"/api/v1/complaints/status", map[string]string{"tracking_number": tn, "receipt_code": code})
		if status != http.StatusOK || out["tracking_number"] != tn || out["status"] == "" {
			t.Fatalf("status of %s: %d %v", tn, status, out)
		}
		wrong := strings.Replace(code, code[:1], map[bool]string{true: "1", false: "2"}[code[:1] != "1"], 1)
		if status, _ := postJSON(t, base+"/api/v1/complaints/status", map[string]string{"tracking_number": tn, "receipt_code": wrong}); status != http.StatusNotFound {
			t.Fatalf("a wrong receipt for %s: %d, want 404", tn, status)
		}
		return
	}
}
