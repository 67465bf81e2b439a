package chart_test

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/chart"
)

// node is any SVG element with its attributes and children, as encoding/xml reads it.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) walk(f func(node)) {
	f(n)
	for _, c := range n.Nodes {
		c.walk(f)
	}
}

func parse(t *testing.T, s string) node {
	t.Helper()
	var n node
	if err := xml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("not XML: %v\n%s", err, s)
	}
	if n.XMLName.Local != "svg" {
		t.Fatalf("root is %s", n.XMLName.Local)
	}
	return n
}

type bar struct {
	label, series string
	value, x, y   float64
	w, h          float64
}

func bars(t *testing.T, n node) []bar {
	var out []bar
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("number %q: %v", s, err)
		}
		return f
	}
	n.walk(func(c node) {
		if c.XMLName.Local == "rect" && c.attr("class") == "bar" {
			out = append(out, bar{label: c.attr("data-label"), series: c.attr("data-series"), value: num(c.attr("data-value")),
				x: num(c.attr("x")), y: num(c.attr("y")), w: num(c.attr("width")), h: num(c.attr("height"))})
		}
	})
	return out
}

// accessible checks what every chart must carry: role img, a viewBox to scale by, a
// title and a description that name it, referenced by aria-labelledby.
func accessible(t *testing.T, n node, id, title, desc string) {
	t.Helper()
	if n.attr("role") != "img" || n.attr("viewBox") == "" || n.attr("width") != "100%" {
		t.Errorf("svg attributes: %+v", n.Attrs)
	}
	if got := n.attr("aria-labelledby"); got != id+"-title "+id+"-desc" {
		t.Errorf("aria-labelledby %q", got)
	}
	var gotTitle, gotDesc string
	for _, c := range n.Nodes {
		switch c.XMLName.Local {
		case "title":
			gotTitle = c.Text
		case "desc":
			gotDesc = c.Text
		}
	}
	if gotTitle != title || gotDesc != desc {
		t.Errorf("title %q desc %q", gotTitle, gotDesc)
	}
}

func TestColumnsMatchTheData(t *testing.T) {
	s := chart.Spec{ID: "trend", Title: "Complaints by month", Desc: "Received <and> closed, 3 months.",
		Labels: []string{"2026-07", "2026-08", "2026-09"},
		Series: []chart.Series{{Name: "Received", Values: []float64{40, 10, 25}}, {Name: "Closed", Values: []float64{0, 20, 5}}}}
	n := parse(t, chart.Columns(s))
	accessible(t, n, "trend", s.Title, s.Desc)
	bs := bars(t, n)
	if len(bs) != 6 {
		t.Fatalf("%d bars, want 6", len(bs))
	}
	// The axis tops at 50 (round, above 40): a bar's height is its share of 200.
	base := bs[0].y + bs[0].h
	for i, b := range bs {
		want := s.Series[i%2].Values[i/2]
		if b.label != s.Labels[i/2] || b.series != s.Series[i%2].Name || b.value != want {
			t.Errorf("bar %d: %+v, want %s %s %v", i, b, s.Labels[i/2], s.Series[i%2].Name, want)
		}
		if math.Abs(b.h-200*want/50) > 0.11 {
			t.Errorf("bar %d height %v, want %v", i, b.h, 200*want/50)
		}
		if math.Abs(b.y+b.h-base) > 0.11 {
			t.Errorf("bar %d does not stand on the axis", i)
		}
		if i > 0 && b.x <= bs[i-1].x {
			t.Errorf("bar %d is not right of bar %d", i, i-1)
		}
	}
	// The legend names both series.
	if svg := chart.Columns(s); !strings.Contains(svg, ">Received<") || !strings.Contains(svg, ">Closed<") {
		t.Errorf("no legend")
	}
}

func TestHBarsMatchTheData(t *testing.T) {
	s := chart.Spec{ID: "agency", Title: "Deadlines met", Desc: "By agency.", Max: 1, Format: chart.Percent,
		Labels: []string{"Harris County Sheriff's Office (TX)", "Collier & Co (FL)"},
		Series: []chart.Series{{Name: "Met", Values: []float64{0.5, 1}}}}
	out := chart.HBars(s)
	n := parse(t, out)
	accessible(t, n, "agency", s.Title, s.Desc)
	bs := bars(t, n)
	if len(bs) != 2 || bs[0].value != 0.5 || bs[1].value != 1 || bs[1].label != "Collier & Co (FL)" {
		t.Fatalf("bars %+v", bs)
	}
	if math.Abs(bs[1].w-2*bs[0].w) > 0.2 || bs[1].y <= bs[0].y {
		t.Errorf("widths or rows do not follow the values: %+v", bs)
	}
	if !strings.Contains(out, ">50%<") || !strings.Contains(out, ">100%<") {
		t.Errorf("values not written as percentages")
	}
	// A long name is cut across the chart, whole in the bar's data and tooltip.
	long := strings.Repeat("Sheriff ", 10)
	out = chart.HBars(chart.Spec{ID: "l", Labels: []string{long}, Series: []chart.Series{{Values: []float64{1}}}})
	if bs := bars(t, parse(t, out)); len(bs) != 1 || bs[0].label != long || !strings.Contains(out, "…<") {
		t.Errorf("a long name: %s", out)
	}
}

// A chart of nothing still draws (an empty period), and text that is not XML-safe
// stays text.
func TestEmptyAndEscaped(t *testing.T) {
	for _, out := range []string{chart.Columns(chart.Spec{ID: "e", Title: "<b>", Desc: "none"}), chart.HBars(chart.Spec{ID: "e", Title: "a\x01b"})} {
		n := parse(t, out)
		if len(bars(t, n)) != 0 {
			t.Errorf("bars in an empty chart")
		}
		if strings.Contains(out, "<b>") {
			t.Errorf("title not escaped")
		}
	}
	// Many months turn their labels.
	var labels []string
	var vals []float64
	for i := range 12 {
		labels = append(labels, strconv.Itoa(i))
		vals = append(vals, float64(i))
	}
	out := chart.Columns(chart.Spec{ID: "m", Labels: labels, Series: []chart.Series{{Name: "n", Values: vals}}})
	if len(bars(t, parse(t, out))) != 12 || !strings.Contains(out, "rotate(-45") {
		t.Errorf("12 months: %s", out)
	}
}
