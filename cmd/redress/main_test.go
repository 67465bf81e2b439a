package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/logtest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe runs the real program's serve command on a free port and returns its base URL.
func startServe(t *testing.T, env map[string]string) (base string, logs *logtest.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &logtest.Buffer{}
	done := make(chan error, 1)
	getenv := func(k string) string { return env[k] }
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, getenv, io.Discard, logs) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Poll /healthz as a client would.
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("serve did not stop")
		}
	}
	t.Cleanup(func() { stop() })
	return base, logs, stop
}

func postJSON(t *testing.T, url string, v any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The whole program, end to end: start on a free port with a new database (seeded with
// ICE's real sheets), find a real agency, file a complaint, check its status.
func TestEndToEnd(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		dataDir := t.TempDir()
		smtpAddr, inbox := startSMTP(t)
		base, logs, stop := startServe(t, map[string]string{
			"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": dataDir,
			"REDRESS_SMTP_URL": "smtp://" + smtpAddr, "REDRESS_PUBLIC_URL": "https://redress.example.org",
		})

		resp, err := http.Get(base + "/api/v1/agencies?state=TX&q=aransas%20county%20sheriff")
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Agencies []struct {
				ID   int64
				Name string
			}
		}
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if len(list.Agencies) == 0 {
			t.Fatalf("no Aransas County agency in the seeded registry")
		}

		code, filed := postJSON(t, base+"/api/v1/complaints", map[string]any{
			"language": "en", "incident_date": "2025-07-25", "agency_id": list.Agencies[0].ID,
			"categories": []string{"held_past_release"}, "filer": "self",
			"narrative": "I was kept in jail two days after my release date because of an ICE hold.",
			"contact":   map[string]any{"email": "person@example.org"},
		})
		if code != 201 {
			t.Fatalf("file: %d %v", code, filed)
		}
		// Aransas County holds one MOA, a JEM signed years before the incident.
		if ag, _ := filed["agreement"].(map[string]any); ag == nil || ag["model"] != "JEM" {
			t.Fatalf("agreement %v, want Aransas County's JEM", filed["agreement"])
		}
		code, st := postJSON(t, base+"/api/v1/complaints/status", map[string]any{
			"tracking_number": filed["tracking_number"], "receipt_code": filed["receipt_code"],
		})
		if code != 200 || st["status"] != "received" || st["label"] != "Received" {
			t.Fatalf("status: %d %v", code, st)
		}
		if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("readyz: %v %v", resp, err)
		}

		// The receipt email reaches the SMTP server: tracking number and where to check,
		// never the receipt code or what happened.
		msg := inbox.wait(t, 20*time.Second)
		for _, want := range []string{"person@example.org", fmt.Sprint(filed["tracking_number"]), "https://redress.example.org/status"} {
			if !strings.Contains(msg, want) {
				t.Errorf("receipt email lacks %q:\n%s", want, msg)
			}
		}
		for _, never := range []string{fmt.Sprint(filed["receipt_code"]), "two days after"} {
			if strings.Contains(msg, never) {
				t.Errorf("receipt email contains %q", never)
			}
		}

		if err := stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		out := logs.String()
		for _, want := range []string{"registry seeded", "msg=stopped"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q", want)
			}
		}
		// The log never carries what people told us.
		for _, secret := range []string{"person@example.org", fmt.Sprint(filed["receipt_code"]), "two days after"} {
			if strings.Contains(out, secret) {
				t.Errorf("log contains %q", secret)
			}
		}
		if !strings.Contains(out, "REDRESS_SECRET_KEY is not set") {
			t.Error("no warning about the generated key file")
		}
		if _, err := os.Stat(filepath.Join(dataDir, "secret.key")); err != nil {
			t.Errorf("no generated key file: %v", err)
		}
	})
}

// On SIGTERM the real binary stops taking connections but finishes the request in flight:
// a complaint whose body is still arriving when the signal comes is stored and answered.
func TestGracefulShutdownFinishesRequestInFlight(t *testing.T) {
	addr, cmd, logs := startBinary(t, 60*time.Second, "REDRESS_DATABASE_URL=", "REDRESS_SECRET_KEY=")

	body := []byte(`{"language":"es","incident_date":"2025-07-01","state":"FL","categories":["force"],"filer":"self","narrative":"Me empujaron contra la pared durante el arresto."}`)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/complaints HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	conn.Write(body[:20])
	time.Sleep(200 * time.Millisecond) // the server is now reading this request

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(logs.String(), "shutting down") {
		time.Sleep(10 * time.Millisecond)
	}
	conn.Write(body[20:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	if resp.StatusCode != 201 {
		t.Fatalf("request in flight: %d", resp.StatusCode)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, io.Discard, &stderr)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%v: %v", args, err)
		}
		for _, s := range config.Settings {
			if !strings.Contains(stderr.String(), s.Flag) || !strings.Contains(stderr.String(), s.Env) {
				t.Errorf("%v does not list --%s (%s):\n%s", args, s.Flag, s.Env, stderr.String())
			}
		}
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, func(k string) string {
		if k == "REDRESS_SECRET_KEY" {
			return "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		}
		return ""
	}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) || strings.Contains(stderr.String(), "0001020304") {
		t.Fatalf("serve --help printed the secret key or failed: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestMigrateCommand(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	getenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"migrate", "--data-dir", dir}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Fatalf("output %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "redress.db")); err != nil {
		t.Fatal(err)
	}
	// Migrating is an audit event naming the migrations, once: a second run applies none.
	getenv = func(k string) string { return map[string]string{"USER": "tester"}[k] }
	if err := run(context.Background(), []string{"migrate", "--data-dir", dir}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, "sqlite:"+filepath.Join(dir, "redress.db"))
	evs, err := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionDatabaseMigrated})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Actor != "cli" {
		t.Fatalf("migration events %+v", evs)
	}
	if ms, _ := evs[0].Details["migrations"].([]any); len(ms) == 0 {
		t.Fatalf("migration event names no migration: %+v", evs[0])
	}
}

// inbox is a real SMTP server on loopback that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string
	// gate, when not nil, holds every MAIL command until it is closed (or for at most
	// gateMax): senders are then mid-session, their messages claimed and not yet sent.
	gate    chan struct{}
	gateMax time.Duration
	parked  int // sessions waiting at the gate now
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{in: in}, nil }

type smtpSession struct {
	in   *inbox
	head string
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.in.mu.Lock()
	gate, most := s.in.gate, s.in.gateMax
	s.in.mu.Unlock()
	if gate != nil {
		s.in.mu.Lock()
		s.in.parked++
		s.in.mu.Unlock()
		select {
		case <-gate:
		case <-time.After(most):
		}
		s.in.mu.Lock()
		s.in.parked--
		s.in.mu.Unlock()
	}
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.head += "RCPT " + to + "\n"
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, s.head+string(b))
	s.in.mu.Unlock()
	return err
}
func (s *smtpSession) Reset()        { s.head = "" } // the next message's recipients are its own
func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T) (string, *inbox) {
	in := &inbox{}
	srv := smtp.NewServer(in)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), in
}

// wait returns the first message, decoded from quoted-printable, once one arrives.
func (in *inbox) wait(t *testing.T, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		in.mu.Lock()
		n := len(in.msgs)
		var m string
		if n > 0 {
			m = in.msgs[0]
		}
		in.mu.Unlock()
		if n > 1 {
			t.Fatalf("%d messages arrived, want 1", n)
		}
		if n == 1 {
			decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m)))
			if err != nil {
				return m
			}
			return string(decoded)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no email arrived")
	return ""
}

// With no public URL set, the links serve hands out (here the first administrator's)
// lead to the address it really listens on, even a port the system picked.
func TestPublicURLFollowsTheAddress(t *testing.T) {
	base, logs, stop := startServe(t, map[string]string{
		"REDRESS_DATABASE_URL": storetest.SQLiteDSN(t), "REDRESS_DATA_DIR": t.TempDir()})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if want := `link="` + base + "/password/set?token="; !strings.Contains(logs.String(), want) {
		t.Fatalf("the first administrator's link does not start with %q:\n%s", want, logs)
	}
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
	binOut  []byte
)

// TestMain removes the binary the process tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// redressBinary builds the program once for every test that runs it as a process.
func redressBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "redress-test-bin"); binErr == nil {
			binOut, binErr = exec.Command("go", "build", "-o", filepath.Join(binDir, "redress"), ".").CombinedOutput()
		}
	})
	if binErr != nil {
		t.Fatalf("build: %v\n%s", binErr, binOut)
	}
	return filepath.Join(binDir, "redress")
}

// startBinary runs the built program's serve on a free port with a data directory of
// its own and env added to this process's environment, and returns the address it
// listens on once it says so. The process is killed at the end of the test.
func startBinary(t *testing.T, wait time.Duration, env ...string) (addr string, cmd *exec.Cmd, logs *logtest.Buffer) {
	t.Helper()
	cmd = exec.Command(redressBinary(t), "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs = &logtest.Buffer{}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	select {
	case addr = <-addrc:
	case <-time.After(wait):
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	return addr, cmd, logs
}

// The profiler is off unless asked for, and then answers only on its own listener.
func TestProfilerOnlyWhereAsked(t *testing.T) {
	base, logs, stop := startServe(t, map[string]string{"REDRESS_DATA_DIR": t.TempDir()})
	if resp, err := http.Get(base + "/debug/pprof/"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the service's own address answers the profiler: %v %v", resp, err)
	}
	if strings.Contains(logs.String(), "profiler listening") {
		t.Fatalf("a profiler started without --pprof-addr:\n%s", logs)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, logs, _ = startServe(t, map[string]string{"REDRESS_DATA_DIR": t.TempDir(), "REDRESS_PPROF_ADDR": "127.0.0.1:0"})
	m := regexp.MustCompile(`msg="profiler listening" addr=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no profiler address in the log:\n%s", logs)
	}
	resp, err := http.Get("http://" + m[1] + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("profiler: %d %.200s", resp.StatusCode, body)
	}
	if resp, err := http.Get(base + "/debug/pprof/"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the service's own address answers the profiler: %v %v", resp, err)
	}
}
