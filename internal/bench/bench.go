// Package bench drives a running Redress over HTTP with a realistic mix of requests and
// reports what each kind costs, beside the bare limit of the database under it (the same
// rows a filing writes, by a bare database/sql loop). It is how speed goals are checked:
// by a command run on purpose, never by a timed test.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/store"
)

// The kinds of request a run mixes.
const (
	KindFile   = "file"   // POST /api/v1/complaints
	KindStatus = "status" // POST /api/v1/complaints/status, with a receipt filed earlier
	KindQueue  = "queue"  // GET /staff/complaints
	KindFilter = "filter" // the queue narrowed by agency, category, overdue or status
	KindSearch = "search" // the queue searched by a word of the complainant's
	KindCase   = "case"   // GET /staff/complaints/{id}
	KindAudit  = "audit"  // GET /oversight/audit
	// KindDashboard is the oversight dashboard as it opens (the last full quarter), and
	// KindCard an agreement's report card, of the agreements of the state agencies filed
	// against (TX).
	KindDashboard = "dashboard" // GET /oversight
	KindCard      = "card"      // GET /oversight/agreements/{id}
	// KindTransparency is the public transparency report, in English or Spanish.
	KindTransparency = "transparency" // GET /transparency
)

// Kinds lists every kind in the order help shows them.
var Kinds = []string{KindFile, KindStatus, KindQueue, KindFilter, KindSearch, KindCase, KindAudit, KindDashboard, KindCard, KindTransparency}

// staffKinds need a signed-in staff member.
var staffKinds = []string{KindQueue, KindFilter, KindSearch, KindCase, KindAudit, KindDashboard, KindCard}

// Options are a run's settings.
type Options struct {
	URL      string
	Clients  int
	Duration time.Duration
	// Mix weighs the kinds: {"file": 4, "status": 4, "queue": 1}.
	Mix map[string]int
	// Staff sign-in, for the staff pages (TOTPSecret when the account has a second factor).
	Email, Password, TOTPSecret string
	// PID is the server's process, whose resident memory is watched (0: not watched).
	PID int
	// BareDSN, when set, is the server's database: the bare limit runs beside it.
	BareDSN, DataDir string
	// Rounds alternates the bare limit and the service this many times, so a machine
	// shared with other work weighs on both alike.
	Rounds int
	// Progress, when set, gets a line per phase.
	Progress io.Writer
}

// ParseMix reads "file=4,status=4,queue=1".
func ParseMix(s string) (map[string]int, error) {
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kind, w, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--mix: %q is not kind=weight", part)
		}
		if !slices.Contains(Kinds, kind) {
			return nil, fmt.Errorf("--mix: no kind %q (kinds: %s)", kind, strings.Join(Kinds, ", "))
		}
		if n > 0 {
			mix[kind] = n
		}
	}
	if len(mix) == 0 {
		return nil, errors.New("--mix: no kind has a weight")
	}
	return mix, nil
}

// runner holds what a run shares between its clients.
type runner struct {
	o        Options
	client   *http.Client
	agencies []int64
	cases    []int64
	// agreements are the report cards the card kind opens.
	agreements []int64
	// receipts filed during the run, for status checks.
	mu       sync.Mutex
	receipts [][2]string
}

// Run sends the mix for the duration (per round) and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Clients < 1 {
		o.Clients = 1
	}
	if o.Rounds < 1 {
		o.Rounds = 1
	}
	o.URL = strings.TrimRight(o.URL, "/")
	jar, _ := cookiejar.New(nil)
	r := &runner{o: o, client: &http.Client{
		Jar:       jar,
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients * 2, MaxConnsPerHost: 0},
		// The staff pages answer a step with a redirect; the bench measures the answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if err := r.prepare(ctx); err != nil {
		return Report{}, err
	}

	rep := Report{URL: o.URL, Clients: o.Clients, Duration: o.Duration * time.Duration(o.Rounds)}
	lat := map[string][]time.Duration{}
	codes := map[string]map[int]int{}
	var bareN, bareErrs int
	var bareTime time.Duration
	var bare *store.BareDB
	if o.BareDSN != "" {
		var err error
		if bare, err = store.OpenBare(ctx, o.BareDSN, o.DataDir); err != nil {
			return Report{}, err
		}
		defer bare.Close()
	}
	peak := watchRSS(ctx, o.PID)
	for round := 0; round < o.Rounds; round++ {
		if bare != nil {
			r.progress("round %d: bare limit, %d clients, %s", round+1, o.Clients, o.Duration)
			n, errs, took := runBare(ctx, bare, o.Clients, o.Duration)
			bareN, bareErrs, bareTime = bareN+n, bareErrs+errs, bareTime+took
		}
		r.progress("round %d: the service, %d clients, %s", round+1, o.Clients, o.Duration)
		r.load(ctx, lat, codes)
	}
	for _, kind := range Kinds {
		if o.Mix[kind] > 0 {
			rep.Results = append(rep.Results, summarize(kind, lat[kind], codes[kind], rep.Duration))
		}
	}
	rep.PeakRSS = peak()
	if bareTime > 0 {
		rep.Bare, rep.BareErrors = float64(bareN)/bareTime.Seconds(), bareErrs
	}
	return rep, ctx.Err()
}

func (r *runner) progress(format string, args ...any) {
	if r.o.Progress != nil {
		fmt.Fprintf(r.o.Progress, format+"\n", args...)
	}
}

// prepare signs in and learns what the requests will name: agencies to file against,
// cases to open, and receipts to check.
func (r *runner) prepare(ctx context.Context) error {
	var list struct {
		Agencies []struct{ ID int64 }
	}
	if err := r.getJSON(ctx, "/api/v1/agencies?state=TX", &list); err != nil {
		return fmt.Errorf("the service at %s: %w", r.o.URL, err)
	}
	for _, a := range list.Agencies {
		r.agencies = append(r.agencies, a.ID)
	}
	if r.o.Mix[KindCard] > 0 {
		var agreements struct {
			Agreements []struct{ ID int64 }
		}
		if err := r.getJSON(ctx, "/api/v1/agreements?state=TX", &agreements); err != nil {
			return fmt.Errorf("the agreements of TX: %w", err)
		}
		for _, a := range agreements.Agreements {
			r.agreements = append(r.agreements, a.ID)
		}
		if len(r.agreements) == 0 {
			return errors.New("the registry lists no agreement in TX for the report card")
		}
	}
	if r.o.Mix[KindStatus]+r.o.Mix[KindCase] > 0 {
		// Receipts to check and cases to open from the first request on: a few
		// filings, not measured.
		for i := 0; i < 10; i++ {
			if code, err := r.file(ctx, i); err != nil || code != http.StatusCreated {
				return fmt.Errorf("filing the receipts to check: %d %v (is the server's --filing-limit 0?)", code, err)
			}
		}
	}
	staff := false
	for _, k := range staffKinds {
		staff = staff || r.o.Mix[k] > 0
	}
	if staff {
		if r.o.Email == "" {
			return errors.New("staff pages in the mix need --email and --password of a staff account")
		}
		if err := r.signIn(ctx); err != nil {
			return err
		}
		body, code, err := r.get(ctx, "/staff/complaints?per_page=100")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("the queue answered %d: %v\n%.2000s", code, err, body)
		}
		for _, m := range caseLink.FindAllStringSubmatch(body, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			r.cases = append(r.cases, id)
		}
		if r.o.Mix[KindCase] > 0 && len(r.cases) == 0 {
			return errors.New("the queue shows no case to open: file or seed complaints first, or leave case out of the mix")
		}
	}
	return nil
}

var caseLink = regexp.MustCompile(`href="/staff/complaints/(\d+)"`)

// signIn signs the staff account in, with its second factor when it has one.
func (r *runner) signIn(ctx context.Context) error {
	code, loc, err := r.postForm(ctx, "/login", url.Values{"email": {r.o.Email}, "password": {r.o.Password}, "next": {"/staff"}})
	if err != nil {
		return err
	}
	if code != http.StatusSeeOther {
		return fmt.Errorf("sign-in as %s refused (%d)", r.o.Email, code)
	}
	if strings.HasPrefix(loc, "/login/totp") {
		if r.o.TOTPSecret == "" {
			return fmt.Errorf("%s has a second factor: give --totp-secret", r.o.Email)
		}
		otp, err := totp.GenerateCode(r.o.TOTPSecret, time.Now())
		if err != nil {
			return err
		}
		if code, _, err = r.postForm(ctx, "/login/totp", url.Values{"code": {otp}, "next": {"/staff"}}); err != nil {
			return err
		} else if code != http.StatusSeeOther {
			return fmt.Errorf("second factor refused (%d)", code)
		}
	}
	return nil
}

// load runs the clients for one duration, adding what they measured.
func (r *runner) load(ctx context.Context, lat map[string][]time.Duration, codes map[string]map[int]int) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Duration)
	defer cancel()
	var kinds []string
	for _, k := range Kinds {
		for i := 0; i < r.o.Mix[k]; i++ {
			kinds = append(kinds, k)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := 0; c < r.o.Clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			myLat := map[string][]time.Duration{}
			myCodes := map[string]map[int]int{}
			for i := 0; ctx.Err() == nil; i++ {
				kind := kinds[rng.IntN(len(kinds))]
				start := time.Now()
				code, err := r.send(ctx, kind, rng, c*1_000_000+i)
				took := time.Since(start)
				if ctx.Err() != nil {
					break // cut off by the end of the run, not answered
				}
				if err != nil || code >= 400 || code == 0 {
					if myCodes[kind] == nil {
						myCodes[kind] = map[int]int{}
					}
					myCodes[kind][code]++
					continue
				}
				myLat[kind] = append(myLat[kind], took)
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range myLat {
				lat[k] = append(lat[k], v...)
			}
			for k, m := range myCodes {
				if codes[k] == nil {
					codes[k] = map[int]int{}
				}
				for code, n := range m {
					codes[k][code] += n
				}
			}
		}(c)
	}
	wg.Wait()
}

var searchWords = []string{"interpreter", "jail", "release", "detainer", "phone", "papers", "deputy", "family"}
var categories = []string{"held_past_release", "no_interpreter", "force", "property", "medical_neglect", "denied_phone_call"}

// send makes one request of kind and returns its status.
func (r *runner) send(ctx context.Context, kind string, rng *rand.Rand, n int) (int, error) {
	switch kind {
	case KindFile:
		return r.file(ctx, n)
	case KindStatus:
		r.mu.Lock()
		var pair [2]string
		if len(r.receipts) > 0 {
			pair = r.receipts[rng.IntN(len(r.receipts))]
		}
		r.mu.Unlock()
		code, _, err := r.postJSON(ctx, "/api/v1/complaints/status", map[string]string{"tracking_number": pair[0], "receipt_code": pair[1]})
		return code, err
	case KindQueue:
		_, code, err := r.get(ctx, "/staff/complaints")
		return code, err
	case KindFilter:
		var q string
		switch rng.IntN(4) {
		case 0:
			if len(r.agencies) > 0 {
				q = "agency=" + strconv.FormatInt(r.agencies[rng.IntN(len(r.agencies))], 10)
			} else {
				q = "due_soon=1"
			}
		case 1:
			q = "category=" + categories[rng.IntN(len(categories))]
		case 2:
			q = "overdue=true"
		default:
			q = "status=under_review"
		}
		_, code, err := r.get(ctx, "/staff/complaints?"+q)
		return code, err
	case KindSearch:
		_, code, err := r.get(ctx, "/staff/complaints?q="+searchWords[rng.IntN(len(searchWords))])
		return code, err
	case KindCase:
		_, code, err := r.get(ctx, "/staff/complaints/"+strconv.FormatInt(r.cases[rng.IntN(len(r.cases))], 10))
		return code, err
	case KindAudit:
		_, code, err := r.get(ctx, "/oversight/audit")
		return code, err
	case KindDashboard:
		_, code, err := r.get(ctx, "/oversight")
		return code, err
	case KindTransparency:
		lang := "en"
		if rng.IntN(5) < 2 {
			lang = "es"
		}
		_, code, err := r.get(ctx, "/transparency?lang="+lang)
		return code, err
	case KindCard:
		_, code, err := r.get(ctx, "/oversight/agreements/"+strconv.FormatInt(r.agreements[rng.IntN(len(r.agreements))], 10))
		return code, err
	}
	return 0, fmt.Errorf("no kind %q", kind)
}

// file files one complaint the way a phone would, keeping its receipt for status checks.
func (r *runner) file(ctx context.Context, n int) (int, error) {
	lang := "en"
	if n%5 < 2 {
		lang = "es"
	}
	in := map[string]any{
		"language": lang, "incident_date": time.Now().AddDate(0, 0, -(n%60)-1).Format(time.DateOnly),
		"state": "TX", "categories": []string{categories[n%len(categories)], categories[(n+1)%len(categories)]},
		"filer": "self", "functions": []string{"detainer"},
		"narrative": "I was kept at the county jail after my release date because of an ICE hold. " +
			"Nobody explained the papers to me in a language I understand, and my family was told to wait.",
		"officers": "Deputy Ruiz",
	}
	if len(r.agencies) > 0 {
		in["agency_id"] = r.agencies[n%len(r.agencies)]
	} else {
		in["agency_other"] = "County sheriff"
	}
	if n%3 == 0 {
		in["anonymous"] = true
	} else {
		in["contact"] = map[string]any{"email": fmt.Sprintf("person%d@example.org", n)}
	}
	code, body, err := r.postJSON(ctx, "/api/v1/complaints", in)
	if err != nil || code != http.StatusCreated {
		return code, err
	}
	var created struct {
		TrackingNumber string `json:"tracking_number"`
		ReceiptCode    string `json:"receipt_code"`
	}
	if err := json.Unmarshal(body, &created); err != nil {
		return code, err
	}
	r.mu.Lock()
	if len(r.receipts) < 10_000 {
		r.receipts = append(r.receipts, [2]string{created.TrackingNumber, created.ReceiptCode})
	}
	r.mu.Unlock()
	return code, nil
}
