package mail

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	w := &Worker{cfg: Config{RetryBase: 30 * time.Second, RetryMax: time.Hour}}
	for _, tc := range []struct {
		attempt int
		around  time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {4, 4 * time.Minute}, {8, time.Hour}, {50, time.Hour}, {500, time.Hour}} {
		for range 20 {
			if d := w.backoff(tc.attempt); d < tc.around*8/10 || d > tc.around*12/10 {
				t.Fatalf("backoff(%d) = %s, want %s ± 20%%", tc.attempt, d, tc.around)
			}
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url, want string
	}{
		{"smtp://mail.example.org", "mail.example.org:587 tls=false required=false user="},
		{"smtp://u%40x:p%3Aw@mail.example.org:25?starttls=required", "mail.example.org:25 tls=false required=true user=u@x"},
		{"smtps://u:p@mail.example.org", "mail.example.org:465 tls=true required=false user=u"},
	} {
		s, err := parseSMTPURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got := s.host + ":" + itoa(s.port) + " tls=" + btoa(s.implicitTLS) + " required=" + btoa(s.requireTLS) + " user=" + s.user
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.url, got, tc.want)
		}
		if strings.Contains(s.redacted, ":p") {
			t.Errorf("redacted URL %s shows the password", s.redacted)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func btoa(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestRedact(t *testing.T) {
	got := redact("550 5.1.1 <Ana@Example.ORG>: no such user ana@example.org", "ana@example.org")
	if want := "550 5.1.1 <(recipient)>: no such user (recipient)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if long := redact(strings.Repeat("é", 400), ""); len(long) > 504 || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "é") {
		t.Errorf("long message cut to %q", long)
	}
}
