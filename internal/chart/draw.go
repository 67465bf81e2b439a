package chart

// Columns draws vertical bars, one group per label and one bar per series in each
// group: a monthly trend (received and closed), a distribution (cases per band of
// days). Each bar carries its numbers (data-label, data-series, data-value) and a
// tooltip; the value axis starts at zero.
func Columns(s Spec) string {
	const width, left, right, plotH, fontSize = 480.0, 48.0, 8.0, 200.0, 14.0
	n := len(s.Labels)
	top := 12.0
	if len(s.Series) > 1 {
		top = 34 // room for the legend
	}
	// Many labels turn on their side, so they do not overlap at narrow widths.
	rotate := n > 6
	bottom := 28.0
	if rotate {
		bottom = 64
	}
	height := top + plotH + bottom
	var w svg
	w.open(s, width, height)
	w.legend(s, left, 18)
	max := s.top()
	plotW := width - left - right
	y0 := top + plotH
	for k := 0; k <= 4; k++ {
		v := max * float64(k) / 4
		y := y0 - plotH*float64(k)/4
		colour := grid
		if k == 0 {
			colour = muted
		}
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, Number(left), Number(y), Number(width-right), Number(y), colour)
		w.f(`<text x="%s" y="%s" font-size="%s" text-anchor="end" fill="%s">%s</text>`, Number(left-6), Number(y+4), Number(fontSize), muted, esc(s.format(v)))
	}
	if n == 0 {
		return w.close()
	}
	gw := plotW / float64(n)
	ns := max1(len(s.Series))
	bw := gw * 0.8 / float64(ns)
	showValues := n*ns <= 12
	for i, label := range s.Labels {
		gx := left + gw*float64(i) + gw*0.1
		for j, se := range s.Series {
			v := 0.0
			if i < len(se.Values) {
				v = se.Values[i]
			}
			h := 0.0
			if max > 0 {
				h = plotH * min(v, max) / max
			}
			x := gx + bw*float64(j)
			tip := label + ": " + s.format(v)
			if len(s.Series) > 1 {
				tip = label + ", " + se.Name + ": " + s.format(v)
			}
			w.f(`<rect class="bar" data-label="%s" data-series="%s" data-value="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
				esc(label), esc(se.Name), Number(v), round(x), round(y0-h), round(bw), round(h), palette[j%len(palette)], esc(tip))
			if showValues {
				w.f(`<text x="%s" y="%s" font-size="%s" text-anchor="middle" fill="%s">%s</text>`, round(x+bw/2), round(y0-h-4), Number(fontSize), ink, esc(s.format(v)))
			}
		}
		cx := left + gw*float64(i) + gw/2
		if rotate {
			w.f(`<text x="%s" y="%s" font-size="%s" text-anchor="end" fill="%s" transform="rotate(-45 %s %s)">%s</text>`,
				round(cx), Number(y0+16), Number(fontSize), ink, round(cx), Number(y0+16), esc(label))
		} else {
			w.f(`<text x="%s" y="%s" font-size="%s" text-anchor="middle" fill="%s">%s</text>`, round(cx), Number(y0+18), Number(fontSize), ink, esc(label))
		}
	}
	return w.close()
}

// HBars draws one horizontal bar per label, its name above it and its value beside it:
// shares of deadlines met by agency or by agreement, where names are long. Only the
// first series is drawn. A label with no value (NaN) shows none, in words given by
// Spec.Format(NaN).
func HBars(s Spec) string {
	const width, left, valueW, rowH, barH, fontSize = 480.0, 4.0, 64.0, 50.0, 18.0, 16.0
	height := 8 + rowH*float64(len(s.Labels))
	if len(s.Labels) == 0 {
		height = 24
	}
	var w svg
	w.open(s, width, height)
	max := s.top()
	plotW := width - left - valueW
	var values []float64
	var name string
	if len(s.Series) > 0 {
		values, name = s.Series[0].Values, s.Series[0].Name
	}
	for i, label := range s.Labels {
		v := 0.0
		if i < len(values) {
			v = values[i]
		}
		y := 8 + rowH*float64(i)
		w.f(`<text x="%s" y="%s" font-size="%s" fill="%s">%s</text>`, Number(left), Number(y+16), Number(fontSize), ink, esc(cut(label, maxLabel)))
		// The track shows where the full bar would end.
		w.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s"/>`, Number(left), Number(y+22), Number(plotW), Number(barH), grid)
		bw := 0.0
		if v == v && max > 0 { // NaN draws no bar
			bw = plotW * min(v, max) / max
		}
		w.f(`<rect class="bar" data-label="%s" data-series="%s" data-value="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
			esc(label), esc(name), Number(v), Number(left), Number(y+22), round(bw), Number(barH), palette[0], esc(label+": "+s.format(v)))
		w.f(`<text x="%s" y="%s" font-size="%s" fill="%s">%s</text>`, Number(left+plotW+6), Number(y+37), Number(fontSize), ink, esc(s.format(v)))
	}
	return w.close()
}

// maxLabel is as many characters as a bar's name shows across the chart; the bar's
// tooltip and the table give it whole.
const maxLabel = 50

// cut shortens s to n characters, an ellipsis the last.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// round writes a coordinate to a tenth of a unit: exact enough, and short.
func round(v float64) string {
	return Number(float64(int64(v*10+0.5)) / 10)
}
