package bench

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Result is one kind of request's figures over a run.
type Result struct {
	Kind     string
	Requests int
	Errors   int
	// Statuses counts the answers that were errors, by HTTP status (0: no answer).
	Statuses map[int]int
	PerSec   float64
	P50, P90 time.Duration
	P99, Max time.Duration
}

// summarize turns a kind's latencies into its figures. Errors are counted, and their
// latencies left out, so a fast refusal cannot flatter the percentiles.
func summarize(kind string, lat []time.Duration, statuses map[int]int, elapsed time.Duration) Result {
	r := Result{Kind: kind, Requests: len(lat), Statuses: statuses}
	for _, n := range statuses {
		r.Errors += n
		r.Requests += n
	}
	if elapsed > 0 {
		r.PerSec = float64(len(lat)) / elapsed.Seconds()
	}
	if len(lat) == 0 {
		return r
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	r.P50, r.P90, r.P99, r.Max = Percentile(s, 50), Percentile(s, 90), Percentile(s, 99), s[len(s)-1]
	return r
}

// Percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted latencies: the
// smallest value at least p% of the requests took no longer than.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// Report is a whole bench run.
type Report struct {
	URL      string
	Clients  int
	Duration time.Duration
	Results  []Result
	// PeakRSS is the server's largest resident memory seen (0: not watched).
	PeakRSS int64
	// Bare is the bare limit's filings per second in the same run (0: not measured).
	Bare       float64
	BareErrors int
}

// Result returns the figures of kind, if the run sent any.
func (r Report) Result(kind string) (Result, bool) {
	for _, x := range r.Results {
		if x.Kind == kind {
			return x, true
		}
	}
	return Result{}, false
}

// Ratio is filing's rate against the bare limit: 1 would be the database's own speed.
// It means something only when the run sent filings alone (every client filing).
func (r Report) Ratio() float64 {
	f, ok := r.Result(KindFile)
	if !ok || r.Bare == 0 {
		return 0
	}
	return f.PerSec / r.Bare
}

// Print writes the report as a table people and scripts can read.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%s, %d clients, %s\n", r.URL, r.Clients, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "%-8s %8s %9s %9s %9s %9s %9s %7s\n", "kind", "requests", "per sec", "p50", "p90", "p99", "max", "errors")
	results := slices.Clone(r.Results)
	sort.Slice(results, func(i, j int) bool { return results[i].Kind < results[j].Kind })
	for _, x := range results {
		fmt.Fprintf(w, "%-8s %8d %9.1f %9s %9s %9s %9s %7d%s\n", x.Kind, x.Requests, x.PerSec,
			ms(x.P50), ms(x.P90), ms(x.P99), ms(x.Max), x.Errors, statuses(x.Statuses))
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "server peak memory: %d MB resident\n", r.PeakRSS>>20)
	}
	if r.Bare > 0 {
		fmt.Fprintf(w, "bare limit: %.1f filings/s (the same rows by a bare database/sql loop, %d clients)", r.Bare, r.Clients)
		if r.BareErrors > 0 {
			fmt.Fprintf(w, ", %d errors", r.BareErrors)
		}
		fmt.Fprintln(w)
		if f, ok := r.Result(KindFile); ok {
			if len(r.Results) == 1 {
				fmt.Fprintf(w, "filing / bare limit: %.2f\n", r.Ratio())
			} else {
				fmt.Fprintf(w, "filing / bare limit: %.2f of a mixed run (send --mix file=1 for the ratio)\n", f.PerSec/r.Bare)
			}
		}
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func statuses(m map[int]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for code, n := range m {
		label := fmt.Sprint(code)
		if code == 0 {
			label = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", label, n))
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}
