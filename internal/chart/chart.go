// Package chart draws the oversight dashboard's charts as SVG on the server: no
// script, no library, nothing fetched. Each chart is an image to assistive technology
// (role="img") named by its <title> and described by its <desc>, a text alternative the
// caller writes from the same numbers; the page puts the chart's table one click away.
// Sizes are in a viewBox, so a chart scales to its container (360 px phones included);
// the fonts are sized for that smallest width. Colours meet WCAG's contrast of 3:1 for
// graphics against white (the dark blue and the dark orange are also told apart by
// readers with the common colour-vision deficiencies), and text is the page's ink.
package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Colours of the series, in order: the stylesheet's accent blue (6.7:1 on white), a dark
// orange (4.8:1), a dark green (6.5:1). Text and axes use the page's ink and muted grey.
var palette = []string{"#0b5cad", "#b35900", "#1e6b34"}

const (
	ink   = "#1b1f24"
	muted = "#4a5360"
	grid  = "#c9ced6"
)

// Series is one row of values, one per label, drawn in one colour.
type Series struct {
	Name   string
	Values []float64
}

// Spec is a chart: its name, its text alternative and its numbers.
type Spec struct {
	// ID makes the chart's element ids unique on the page ("trend" → "trend-title").
	ID string
	// Title names the chart; Desc says what it shows in words (the text alternative).
	Title, Desc string
	// Labels name the categories: months, bands, agencies.
	Labels []string
	Series []Series
	// Max is the top of the value axis; 0 finds a round one above the largest value.
	Max float64
	// Format writes a value for a bar's label and the axis (nil: up to one decimal).
	Format func(float64) string
}

func (s Spec) format(v float64) string {
	if s.Format != nil {
		return s.Format(v)
	}
	return Number(v)
}

// Number writes v with at most one decimal, none when it is whole.
func Number(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// Percent writes a share from 0 to 1 as a whole percentage ("87%").
func Percent(v float64) string { return strconv.FormatFloat(math.Round(v*100), 'f', 0, 64) + "%" }

// niceMax is a round number (1, 2, 2.5 or 5 times a power of ten) at or above v, so the
// axis's four steps fall on round values.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func (s Spec) top() float64 {
	if s.Max > 0 {
		return s.Max
	}
	var hi float64
	for _, se := range s.Series {
		for _, v := range se.Values {
			hi = max(hi, v)
		}
	}
	return niceMax(hi)
}

// svg collects the elements of one chart.
type svg struct{ b strings.Builder }

func (w *svg) f(format string, a ...any) { fmt.Fprintf(&w.b, format, a...) }

// esc escapes text for XML content and attributes.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			// Controls have no place in an image's text (XML forbids most).
			if r < 0x20 && r != '\t' && r != '\n' {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (w *svg) open(s Spec, width, height float64) {
	id := esc(s.ID)
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %s %s" width="100%%" preserveAspectRatio="xMidYMid meet" aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif">`,
		Number(width), Number(height), id, id)
	w.f(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(s.Title), id, esc(s.Desc))
}

func (w *svg) close() string {
	w.b.WriteString("</svg>")
	return w.b.String()
}

// legend draws the series' names and colours from x, y, for charts of more than one.
func (w *svg) legend(s Spec, x, y float64) {
	if len(s.Series) < 2 {
		return
	}
	for i, se := range s.Series {
		w.f(`<rect x="%s" y="%s" width="14" height="14" fill="%s"/>`, Number(x), Number(y-11), palette[i%len(palette)])
		w.f(`<text x="%s" y="%s" font-size="14" fill="%s">%s</text>`, Number(x+20), Number(y), ink, esc(se.Name))
		x += 20 + 8.5*float64(len([]rune(se.Name))) + 24
	}
}
