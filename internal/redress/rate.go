package redress

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is how much a client may do: N times Per window. The zero Rate is no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// Off says the rate limits nothing.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "0"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// ParseRate reads a rate written "N/duration" ("30/1h", "5/15m") or "N per duration";
// "0" (or empty) is no limit.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		n, per, ok = strings.Cut(s, " per ")
	}
	if !ok {
		return Rate{}, fmt.Errorf("write a rate as N/duration, for example 30/1h, or 0 for no limit")
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 0 {
		return Rate{}, fmt.Errorf("%q is not a count", n)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("%q is not a duration such as 1h or 15m", per)
	}
	if count == 0 {
		return Rate{}, nil
	}
	return Rate{N: count, Per: d}, nil
}
