package redress

import (
	"strconv"
	"strings"
	"time"
)

// ReadTypedDate reads a date as a person types it on a form: ISO (2025-07-18), or
// numbers separated by "/", "-" or "." in the order of their language's habit, month
// first ("mdy": 03/01/2025 is March 1) or day first ("dmy": 1/3/2025 is March 1). A
// two-digit year is read as 2000–2069 or 1970–1999. It returns false when the text is
// no date it can read. Ambiguous says both orders would have made a date, and a
// different one: the language's habit decided.
//
// The API keeps to ISO only: a program's dates must not depend on a guess.
func ReadTypedDate(s, order string) (d Date, ambiguous, ok bool) {
	s = strings.TrimSpace(s)
	if d, err := ParseDate(s); err == nil {
		return d, false, true
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })
	if len(parts) != 3 {
		return Date{}, false, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return Date{}, false, false
		}
		n[i] = v
	}
	if len(parts[0]) == 4 { // year first, like ISO with other separators
		return validDate(n[0], n[1], n[2])
	}
	if len(parts[2]) != 4 && len(parts[2]) != 2 {
		return Date{}, false, false
	}
	year := n[2]
	if len(parts[2]) == 2 {
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
	}
	month, day := n[0], n[1]
	if order != "mdy" {
		month, day = day, month
	}
	d, _, ok = validDate(year, month, day)
	if !ok {
		return Date{}, false, false
	}
	_, _, other := validDate(year, day, month)
	return d, other && day != month, true
}

func validDate(y, m, d int) (Date, bool, bool) {
	if len(strconv.Itoa(y)) != 4 || m < 1 || m > 12 || d < 1 || d > 31 {
		return Date{}, false, false
	}
	out, err := ParseDate(Date{y, time.Month(m), d}.String())
	if err != nil {
		return Date{}, false, false
	}
	return out, false, true
}
