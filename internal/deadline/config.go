package deadline

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// DefaultLocationName is the zone whose days, weekends and holidays clocks count in,
// unless the clock file says otherwise.
const DefaultLocationName = "America/New_York"

// DefaultLocation is DefaultLocationName loaded (the zone database is embedded).
var DefaultLocation = mustLoad(DefaultLocationName)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func orDefault(loc *time.Location) *time.Location {
	if loc == nil {
		return DefaultLocation
	}
	return loc
}

// Events that start or meet clocks, besides the workflow's transition names (a
// transition's events are given by Events).
const (
	EventReceived        = "received"         // the complaint was filed
	EventAcknowledged    = "acknowledged"     // the complainant was acknowledged in writing
	EventICENotified     = "ice_notified"     // ICE was told of the complaint
	EventResolved        = "resolved"         // the case ended: closed or withdrawn
	EventResultsReported = "results_reported" // ICE was told the results
)

var ownEvents = []string{EventReceived, EventAcknowledged, EventICENotified, EventResolved, EventResultsReported}

// Events lists the events a transition fires: its own name, and EventResolved when it
// ends the case.
func Events(t workflow.Transition) []string {
	if workflow.Ends(t) {
		return []string{string(t), EventResolved}
	}
	return []string{string(t)}
}

// knownEvent: one of ours or a transition's name.
func knownEvent(e string) bool {
	return slices.Contains(ownEvents, e) || workflow.ValidTransition(workflow.Transition(e))
}

//go:embed defaults.json
var defaultsJSON []byte

// Config is the set of clocks and the zone they count days in.
type Config struct {
	Location string  `json:"location"`
	Clocks   []Clock `json:"clocks"`
	loc      *time.Location
}

// Defaults is the embedded defaults.json.
func Defaults() Config {
	c, err := Parse(defaultsJSON)
	if err != nil {
		panic("deadline: defaults.json: " + err.Error()) // a test keeps this from shipping
	}
	return c
}

// Load reads a clock file shaped like defaults.json; an empty path gives Defaults.
func Load(path string) (Config, error) {
	if path == "" {
		return Defaults(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("clocks: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return Config{}, fmt.Errorf("clocks: %s: %w", path, err)
	}
	return c, nil
}

// Parse reads and checks a clock file. Unknown fields are refused, so a misspelled
// setting fails at start-up instead of being ignored.
func Parse(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, err
	}
	if c.Location == "" {
		c.Location = DefaultLocationName
	}
	loc, err := time.LoadLocation(c.Location)
	if err != nil {
		return Config{}, fmt.Errorf("location: %w", err)
	}
	c.loc = loc
	seen := map[string]bool{}
	for _, k := range c.Clocks {
		if err := k.check(); err != nil {
			return Config{}, fmt.Errorf("clock %q: %w", k.Name, err)
		}
		if seen[k.Name] {
			return Config{}, fmt.Errorf("clock %q: defined twice", k.Name)
		}
		seen[k.Name] = true
	}
	return c, nil
}

func (k Clock) check() error {
	switch {
	case k.Name == "":
		return fmt.Errorf("no name")
	case k.Amount <= 0:
		return fmt.Errorf("amount %d: want more than 0", k.Amount)
	case !slices.Contains(Units, k.Unit):
		return fmt.Errorf("unit %q: want one of %v", k.Unit, Units)
	case k.Start != EventReceived && k.Start != EventResolved:
		return fmt.Errorf("start %q: want %s or %s", k.Start, EventReceived, EventResolved)
	case len(k.MetBy) == 0:
		return fmt.Errorf("met_by: name at least one event")
	}
	for _, m := range k.Models {
		if !slices.Contains(redress.Models, m) {
			return fmt.Errorf("model %q: want one of %v", m, redress.Models)
		}
	}
	if len(k.Dispositions) > 0 && k.Start != EventResolved {
		return fmt.Errorf("dispositions: only a clock that starts at %s ends on one", EventResolved)
	}
	for _, d := range k.Dispositions {
		if !slices.Contains(workflow.Dispositions, d) {
			return fmt.Errorf("disposition %q: want one of %v", d, workflow.Dispositions)
		}
	}
	for _, e := range k.MetBy {
		if !knownEvent(e) {
			return fmt.Errorf("met_by %q: no such event or transition", e)
		}
	}
	return nil
}

// InZone is c counting days in the zone named name instead ("" keeps c's): a unit's
// own zone, where units span zones.
func (c Config) InZone(name string) (Config, error) {
	if name == "" {
		return c, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return c, fmt.Errorf("zone: %w", err)
	}
	c.Location, c.loc = name, loc
	return c, nil
}

// Loc is the zone the clocks count days in.
func (c Config) Loc() *time.Location { return orDefault(c.loc) }

// Clock returns the clock named name.
func (c Config) Clock(name string) (Clock, bool) {
	i := slices.IndexFunc(c.Clocks, func(k Clock) bool { return k.Name == name })
	if i < 0 {
		return Clock{}, false
	}
	return c.Clocks[i], true
}

// StateOf says where one of a case's clocks stands at now, under these rules: the
// clock's own unit decides "due soon" (one more business day, or 24 of its hours), and a
// paused clock stands where it was when it paused. The case page, the case API and the
// queue all word a clock by this one rule. A clock the case's end stopped is stopped,
// whatever its due time. A clock these rules no longer define (the
// clock file changed since it started) is counted in hours.
func (c Config) StateOf(k redress.Clock, now time.Time) Status {
	rule, ok := c.Clock(k.Name)
	if !ok {
		rule = Clock{Name: k.Name, Unit: Hours}
	}
	if !k.StoppedAt.IsZero() && k.MetAt.IsZero() {
		return StatusStopped
	}
	if !k.PausedAt.IsZero() && k.MetAt.IsZero() {
		return StatusPaused
	}
	return State(now, k.DueAt, k.MetAt, rule, c.Loc())
}

// Override is a unit's own amount for a clock (one unit_clocks row). Business picks
// business days over calendar days for a day clock, weekday hours over hours for an
// hour clock.
type Override struct {
	Clock    string `json:"clock"`
	Amount   int    `json:"amount"`
	Business bool   `json:"business"`
}

// WithOverrides is c with a unit's overrides applied. An override of a clock c does
// not define, or of no more than 0, is an error; nothing is applied then.
func (c Config) WithOverrides(overrides []Override) (Config, error) {
	out := c
	out.Clocks = slices.Clone(c.Clocks)
	for _, o := range overrides {
		i := slices.IndexFunc(out.Clocks, func(k Clock) bool { return k.Name == o.Clock })
		switch {
		case i < 0:
			return c, fmt.Errorf("clock override: no clock %q", o.Clock)
		case o.Amount <= 0:
			return c, fmt.Errorf("clock override of %q: amount %d: want more than 0", o.Clock, o.Amount)
		}
		k := &out.Clocks[i]
		k.Amount = o.Amount
		switch {
		case k.Unit.Days() && o.Business:
			k.Unit = BusinessDays
		case k.Unit.Days():
			k.Unit = CalendarDays
		case o.Business:
			k.Unit = WeekdayHours
		default:
			k.Unit = Hours
		}
	}
	return out, nil
}

// AppliesTo reports whether the clock runs for a complaint under an agreement of model
// ("" when the agreement is not known yet: only clocks for every model apply).
func (k Clock) AppliesTo(model redress.Model) bool {
	return len(k.Models) == 0 || slices.Contains(k.Models, model)
}

// Starting lists the clocks event starts for a complaint under model.
func (c Config) Starting(model redress.Model, event string) []Clock {
	var out []Clock
	for _, k := range c.Clocks {
		if k.Start == event && k.AppliesTo(model) {
			out = append(out, k)
		}
	}
	return out
}

// StartingAtResolution lists the clocks a case under model starts when it ends with
// disposition.
func (c Config) StartingAtResolution(model redress.Model, disposition workflow.Disposition) []Clock {
	var out []Clock
	for _, k := range c.Starting(model, EventResolved) {
		if len(k.Dispositions) == 0 || slices.Contains(k.Dispositions, disposition) {
			out = append(out, k)
		}
	}
	return out
}

// MetBy lists the names of the clocks any of events meets.
func (c Config) MetBy(events ...string) []string {
	var out []string
	for _, k := range c.Clocks {
		if slices.ContainsFunc(events, func(e string) bool { return slices.Contains(k.MetBy, e) }) {
			out = append(out, k.Name)
		}
	}
	return out
}

// Pausing lists the names of the clocks that stand still while the case waits on the
// complainant.
func (c Config) Pausing() []string {
	var out []string
	for _, k := range c.Clocks {
		if k.Pauses {
			out = append(out, k.Name)
		}
	}
	return out
}
