package browsertest

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// Violation is one axe-core rule a page breaks, with the elements that break it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"` // minor, moderate, serious or critical
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`  // CSS selectors of the element
		Summary string   `json:"summary"` // what to fix
	} `json:"nodes"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s: %s", strings.Join(n.Target, " "), strings.Join(strings.Fields(n.Summary), " "))
	}
	return b.String()
}

// axeRun runs every axe rule on the document, with target-size (WCAG 2.2 AA, off by
// default) turned on because many people file from a phone, and keeps what a report needs. The pages
// forbid scripts by CSP; the source is evaluated through the DevTools protocol, which CSP
// does not govern, and axe itself needs neither eval nor inline script, so the policy
// stays on and the pages are checked as users get them.
const axeRun = `(async () => {
	if (typeof axe === "undefined") { throw new Error("axe-core did not load"); }
	const r = await axe.run(document, {resultTypes: ["violations"], rules: {"target-size": {enabled: true}}});
	if (r.passes.length === 0) { throw new Error("axe-core ran no rule"); }
	return r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target.map(t => [].concat(t).join(" >>> ")), summary: n.failureSummary || ""}))}));
})()`

// Axe runs axe-core on the page as it is now and returns every violation.
func (p *Page) Axe() []Violation {
	p.t.Helper()
	Run(p, chromedp.Evaluate[chromedp.Void](p.b.axe))
	return Run(p, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
}

// CheckAccessibility fails the test for each violation of impact serious or critical on
// the page, named name in the report; lesser ones are logged.
func (p *Page) CheckAccessibility(name string) {
	p.t.Helper()
	for _, v := range p.Axe() {
		if v.Impact == "serious" || v.Impact == "critical" {
			p.t.Errorf("%s: accessibility: %s", name, v)
		} else {
			p.t.Logf("%s: accessibility (not failing): %s", name, v)
		}
	}
}
