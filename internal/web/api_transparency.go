package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/suppress"
)

// The transparency report as JSON (/api/v1/transparency): the same protected numbers
// as the page, with codes instead of words. A hidden count has no "n", only its status.

type apiTransparency struct {
	Built     time.Time     `json:"built"`
	MaxAgeSec int           `json:"max_age_seconds"`
	Threshold int           `json:"threshold"`
	Quarters  []string      `json:"quarters"`
	Tables    []apiTable    `json:"tables"`
	Times     []apiTimesRow `json:"times"`
}

type apiTable struct {
	Name   string    `json:"name"`
	Rows   []apiRow  `json:"rows"`
	Totals []apiCell `json:"totals"`
	Grand  apiCell   `json:"grand_total"`
}

type apiRow struct {
	Code     string    `json:"code"`
	Name     string    `json:"name,omitempty"`
	Cells    []apiCell `json:"cells"`
	Total    apiCell   `json:"total"`
	Children []apiRow  `json:"agencies,omitempty"`
}

// apiCell is a count: N when shown; Status "shown", "fewer_than_5" or "withheld".
type apiCell struct {
	N      *int   `json:"n,omitempty"`
	Status string `json:"status"`
}

type apiTimesRow struct {
	Measure string     `json:"measure"`
	Unit    string     `json:"unit"`   // "days" or "share"
	Values  []*float64 `json:"values"` // null where fewer than 5 cases
}

func toAPICell(c suppress.Cell) apiCell {
	switch c.Status {
	case suppress.Small:
		return apiCell{Status: "fewer_than_5"}
	case suppress.Withheld:
		return apiCell{Status: "withheld"}
	}
	n := c.N
	return apiCell{N: &n, Status: "shown"}
}

func toAPICells(cs []suppress.Cell) []apiCell {
	out := make([]apiCell, len(cs))
	for i, c := range cs {
		out[i] = toAPICell(c)
	}
	return out
}

func toAPIRows(rows []suppress.Row, labels []oversight.Label) []apiRow {
	out := make([]apiRow, len(rows))
	for i, r := range rows {
		out[i] = apiRow{Code: labels[i].Code, Name: labels[i].Name, Cells: toAPICells(r.Cells), Total: toAPICell(r.Total)}
		if len(r.Children) > 0 {
			out[i].Children = toAPIRows(r.Children, labels[i].Children)
		}
	}
	return out
}

func transparencyJSON(rep *oversight.Report) ([]byte, error) {
	a := apiTransparency{Built: rep.Built.UTC().Truncate(time.Second), MaxAgeSec: int(rep.TTL / time.Second),
		Threshold: suppress.Threshold, Tables: []apiTable{}, Times: []apiTimesRow{}}
	for _, q := range rep.Quarters {
		a.Quarters = append(a.Quarters, q.String())
	}
	for _, t := range []struct {
		name string
		tab  *oversight.Labeled
	}{{"state", &rep.States}, {"model", &rep.Models}, {"category", &rep.Categories}, {"finding", &rep.Findings}} {
		a.Tables = append(a.Tables, apiTable{Name: t.name, Rows: toAPIRows(t.tab.Rows, t.tab.Labels),
			Totals: toAPICells(t.tab.Totals), Grand: toAPICell(t.tab.Grand)})
	}
	for _, r := range rep.Times {
		row := apiTimesRow{Measure: "close_median", Unit: "days", Values: make([]*float64, len(r.Cells))}
		if r.Share {
			row.Measure, row.Unit = "on_time:"+r.Clock, "share"
		}
		for j, f := range r.Cells {
			if f.Shown {
				v := f.Value
				row.Values[j] = &v
			}
		}
		a.Times = append(a.Times, row)
	}
	return json.Marshal(a)
}

func (s *Server) handleAPITransparency(w http.ResponseWriter, r *http.Request) {
	if s.Transparency == nil {
		s.handleNotFound(w, r)
		return
	}
	rep, err := s.Transparency.Report(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	b, err := s.prepared(rep, "json", func() ([]byte, error) { return transparencyJSON(rep) })
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	publicCache(w, rep)
	w.Write(b)
}
