package seed

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// kase is one complaint being made: its row, what hangs from it, and its history so far.
type kase struct {
	g       *generator
	c       store.SeedComplaint
	code    string
	model   redress.Model
	fns     []redress.Function
	als     []store.SeedAllegation
	cfg     deadline.Config
	staff   *unitStaff
	contact redress.Contact
	rows    store.SeedRows // the case's own rows, but for the complaint and the audit events

	events []deadline.Event // for the clocks
	t      time.Time        // when the last step happened
	done   bool             // the period ended before the next step
	// stopped names the clocks the case's end stopped (none while it is open)
	stopped []string
	// who works it
	intake, investigator, supervisor, approver int64
}

var channels = []weight[redress.Channel]{{redress.ChannelWeb, 70}, {redress.ChannelAPI, 5},
	{redress.ChannelPhone, 12}, {redress.ChannelMail, 8}, {redress.ChannelInPerson, 5}}

var filers = []weight[redress.Filer]{{"self", 55}, {"relative", 25}, {"lawyer", 8}, {"advocate", 8}, {"other", 4}}

var categories = []weight[redress.Category]{{"racial_profiling", 10}, {"held_past_release", 12}, {"coercion", 6},
	{"no_interpreter", 9}, {"denied_lawyer", 6}, {"denied_phone_call", 7}, {"denied_consular_notification", 3},
	{"force", 7}, {"medical_neglect", 5}, {"retaliation", 4}, {"wrongful_detention", 10}, {"privacy", 3},
	{"property", 5}, {"verbal_abuse", 8}, {"other", 5}}

// newCase makes a complaint received at received, as filing would have stored it.
func (g *generator) newCase(ctx context.Context, received time.Time) (*kase, error) {
	k := &kase{g: g, t: received}
	c := &k.c
	c.ID = g.nextID("complaints")
	c.ReceivedAt, c.StatusChangedAt, c.Status = received, received, redress.StatusReceived
	c.Language = "en"
	if g.rng.Float64() < 0.4 {
		c.Language = "es"
	}
	c.Channel = string(weighted(g.rng, channels))
	c.Filer = string(weighted(g.rng, filers))
	loc := g.d.Deadlines.Loc()
	c.IncidentDate = redress.DateOf(received.In(loc).AddDate(0, 0, -skewed(g.rng, 60)))
	k.model, k.fns = g.pickAgency(c, c.IncidentDate)
	cats := g.categories()
	g.custody(c, cats)
	k.describe(cats)
	k.identify()
	g.route(c, cats, k.fns, k.model)
	for _, f := range k.fns {
		k.rows.Functions = append(k.rows.Functions, store.SeedFunction{ComplaintID: c.ID, Function: string(f)})
	}
	for _, cat := range cats {
		k.als = append(k.als, store.SeedAllegation{ID: g.nextID("allegations"), ComplaintID: c.ID, Category: string(cat)})
	}
	var err error
	if k.cfg, err = g.deadlines(ctx, c.Unit); err != nil {
		return nil, err
	}
	k.staff = g.staff.of(c.Unit)
	k.intake = pick(g.rng, k.staff.intake)
	k.investigator = pick(g.rng, k.staff.investigators)
	k.supervisor = pick(g.rng, k.staff.supervisors)
	k.approver = k.supervisor
	k.file()
	return k, nil
}

// file records the filing: the first status, the receipt, the event, the clocks'
// start (met at once for the acknowledgement the web and the API give on the spot).
func (k *kase) file() {
	c := &k.c
	actor, role := redress.ActorPublic, redress.ActorPublic
	if c.Channel != string(redress.ChannelWeb) && c.Channel != string(redress.ChannelAPI) {
		id := k.intake
		c.EnteredBy = &id
		actor, role = subject(k.intake), ""
	} else {
		k.events = append(k.events, deadline.Event{Name: deadline.EventAcknowledged, At: c.ReceivedAt})
	}
	k.events = append([]deadline.Event{{Name: deadline.EventReceived, At: c.ReceivedAt}}, k.events...)
	k.rows.StatusChanges = append(k.rows.StatusChanges, store.SeedStatusChange{ID: k.g.nextID("complaint_status_changes"),
		ComplaintID: c.ID, Status: c.Status, ChangedAt: c.ReceivedAt})
	cats := make([]string, len(k.als))
	for i, a := range k.als {
		cats[i] = a.Category
	}
	k.audit(c.ReceivedAt, actor, role, redress.ActionComplaintFiled, map[string]any{
		"tracking_number": c.TrackingNumber, "channel": c.Channel, "language": c.Language, "state": c.State,
		"incident_date": c.IncidentDate.String(), "categories": cats, "functions": k.fns, "anonymous": c.Anonymous,
		// Oversight measures (issue 15): as intake records them (filedDetails).
		"unit": c.Unit, "priority": c.Priority, "custody": custodyYes(c)})
}

// custodyYes lists the custody facts c answers yes to, most urgent first.
func custodyYes(c *store.SeedComplaint) []string {
	out := []string{}
	for i, b := range []*bool{c.InCustody, c.DetainerIssued, c.HeldPastRelease} {
		if b != nil && *b {
			out = append(out, redress.CustodyFacts[i])
		}
	}
	return out
}

func subject(userID int64) string { return "user:" + itoa(userID) }

// categories are the one to three allegations of a complaint.
func (g *generator) categories() []redress.Category {
	n := 1 + skewed(g.rng, 3)
	var out []redress.Category
	for len(out) < n {
		if cat := weighted(g.rng, categories); !containsCat(out, cat) {
			out = append(out, cat)
		}
	}
	return out
}

func containsCat(cs []redress.Category, c redress.Category) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// custody answers the three custody questions: often not answered, yes where the
// allegations say so.
func (g *generator) custody(c *store.SeedComplaint, cats []redress.Category) {
	answer := func(yes float64) *bool {
		switch p := g.rng.Float64(); {
		case p < 0.45:
			return nil
		case p < 0.45+yes*0.55:
			return ptr(true)
		}
		return ptr(false)
	}
	c.InCustody, c.DetainerIssued, c.HeldPastRelease = answer(0.3), answer(0.35), answer(0.15)
	if containsCat(cats, "held_past_release") {
		c.HeldPastRelease = ptr(true)
	}
}

func ptr[T any](v T) *T { return &v }

// identify numbers the complaint, draws its receipt code, and seals who filed it (a
// third file anonymously), as filing does.
func (k *kase) identify() {
	g, c := k.g, &k.c
	for {
		c.TrackingNumber = "RX-" + g.crockford(4) + "-" + g.crockford(4)
		if !g.tracking[c.TrackingNumber] {
			g.tracking[c.TrackingNumber] = true
			break
		}
	}
	code := g.crockford(20)
	k.code = code[:5] + "-" + code[5:10] + "-" + code[10:15] + "-" + code[15:]
	c.ReceiptHash = redress.HashReceiptCode(k.code)
	if g.rng.Float64() < 0.35 {
		c.Anonymous = true
		return
	}
	k.contact = g.contact(c.Language)
	plain, err := json.Marshal(k.contact)
	if err != nil {
		panic(err)
	}
	c.IdentitySealed = g.d.Box.Seal(plain, redress.IdentityContext(c.TrackingNumber))
	var consent []string
	for _, r := range redress.ConsentRecipients {
		if g.rng.Float64() < 0.5 {
			consent = append(consent, string(r))
		}
	}
	c.Consent = strings.Join(consent, " ")
	if g.rng.Float64() < 0.04 {
		c.PreferredLanguage = pick(g.rng, []string{"Mam", "K'iche'", "Q'anjob'al", "Portuguese", "Haitian Creole"})
	}
}

const crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func (g *generator) crockford(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = crockfordAlphabet[g.rng.IntN(32)]
	}
	return string(b)
}
