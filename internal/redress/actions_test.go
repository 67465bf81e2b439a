package redress_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// TestAuditEventsDocumented keeps docs/audit-events.md and redress.Actions alike: every
// action the code can write has a row in the document, and the document names no action
// the code does not write. A new event without its documentation fails here.
func TestAuditEventsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/audit-events.md")
	if err != nil {
		t.Fatal(err)
	}
	// A table row's first cell names one or more actions: | `a`, `b` | when | details |
	cell := regexp.MustCompile("`([a-z_]+\\.[a-z_]+)`")
	documented := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line[1:], "|", 2)[0]
		for _, m := range cell.FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	seen := map[string]bool{}
	for _, a := range redress.Actions {
		if seen[a] {
			t.Errorf("%s is listed twice in redress.Actions", a)
		}
		seen[a] = true
		if !documented[a] {
			t.Errorf("%s is written by the code but has no row in docs/audit-events.md", a)
		}
	}
	var extra []string
	for a := range documented {
		if !seen[a] {
			extra = append(extra, a)
		}
	}
	slices.Sort(extra)
	for _, a := range extra {
		t.Errorf("docs/audit-events.md documents %s, which redress.Actions does not list", a)
	}
}
