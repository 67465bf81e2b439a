package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/suppress"
)

// The public transparency report (issue 15, point 5): /transparency in the visitor's
// language, /transparency.csv the same numbers as a file, /api/v1/transparency as JSON.
// The report is built and kept by oversight.Transparency; here each form of it is
// drawn once per built report and language and kept as bytes, so a request reads
// nothing from the database and draws nothing: it copies bytes.

// transparencyPage is the report drawn in one language.
type transparencyPage struct {
	*page
	Report *oversight.Report
	// plain writes numbers for programs (the CSV): no thousands separator, a decimal
	// point, whatever the language.
	plain bool
}

func (*transparencyPage) template() string { return "transparency.html" }

// preparedReport keeps, for one built report, its drawn forms by language and kind.
type preparedReport struct {
	mu     sync.Mutex
	report *oversight.Report
	forms  map[string][]byte
}

// prepared returns the bytes of one form of the current report, drawing them once.
func (s *Server) prepared(r *oversight.Report, key string, draw func() ([]byte, error)) ([]byte, error) {
	c := &s.transparency
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.report != r {
		c.report, c.forms = r, map[string][]byte{}
	}
	if b, ok := c.forms[key]; ok {
		return b, nil
	}
	b, err := draw()
	if err != nil {
		return nil, err
	}
	c.forms[key] = b
	return b, nil
}

// transparencyReport is the kept report, or an error page when there is none.
func (s *Server) transparencyReport(w http.ResponseWriter, r *http.Request) (*oversight.Report, bool) {
	if s.Transparency == nil {
		s.handleNotFound(w, r)
		return nil, false
	}
	rep, err := s.Transparency.Report(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	return rep, true
}

// publicCache lets browsers and proxies keep a copy a few minutes: the figures change
// at most once per TTL.
func publicCache(w http.ResponseWriter, rep *oversight.Report) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Last-Modified", rep.Built.UTC().Format(http.TimeFormat))
}

func (s *Server) handleTransparency(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "csv" {
		s.handleTransparencyCSV(w, r)
		return
	}
	lang := s.pageLang(w, r)
	rep, ok := s.transparencyReport(w, r)
	if !ok {
		return
	}
	p := &transparencyPage{page: s.newPage(r, lang), Report: rep}
	p.Wide = true
	if p.Staff != nil {
		// A signed-in visitor's page carries their menu: drawn for them alone.
		s.render(w, r, http.StatusOK, p)
		return
	}
	b, err := s.prepared(rep, "html:"+lang, func() ([]byte, error) {
		var buf bytes.Buffer
		err := s.pages[p.template()].ExecuteTemplate(&buf, "layout", p)
		return buf.Bytes(), err
	})
	if err != nil {
		s.Log.Error("render", "page", p.template(), "err", err, "request_id", requestID(r))
		s.renderError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Vary", "Accept-Language, Cookie")
	publicCache(w, rep)
	w.Write(b)
}

func (s *Server) handleTransparencyCSV(w http.ResponseWriter, r *http.Request) {
	lang := s.pageLang(w, r)
	rep, ok := s.transparencyReport(w, r)
	if !ok {
		return
	}
	p := &transparencyPage{page: s.newPage(r, lang), Report: rep, plain: true}
	b, err := s.prepared(rep, "csv:"+lang, func() ([]byte, error) { return transparencyCSV(p) })
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="redress-transparency-%s.csv"`, p.Period()))
	h.Set("Vary", "Accept-Language, Cookie")
	publicCache(w, rep)
	w.Write(b)
}

// Cell words a protected count: the number, "fewer than 5", or "withheld".
func (p *transparencyPage) Cell(c suppress.Cell) string {
	switch c.Status {
	case suppress.Small:
		return p.T("transparency.small")
	case suppress.Withheld:
		return p.T("transparency.withheld")
	}
	return p.Number(c.N)
}

// Number writes a count with the language's thousands separator.
func (p *transparencyPage) Number(n int) string {
	s := strconv.Itoa(n)
	if p.plain {
		return s
	}
	sep := p.T("transparency.thousands")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Figure words a median (days, one decimal) or a share (a whole percent); one from
// fewer than 5 cases says so.
func (p *transparencyPage) Figure(f oversight.Figure, share bool) string {
	if !f.Shown {
		return p.T("transparency.too_few")
	}
	pct := strconv.Itoa(int(f.Value*100 + 0.5))
	v := strconv.FormatFloat(f.Value, 'f', 1, 64)
	switch {
	case share && p.plain:
		return pct + "%"
	case share:
		return p.T("transparency.percent", "N", pct)
	case p.plain:
		return v
	}
	return strings.Replace(v, ".", p.T("transparency.decimal"), 1)
}

// Label words a row's label.
func (p *transparencyPage) Label(l oversight.Label) string {
	if l.Name != "" {
		return l.Name
	}
	return p.T(l.Key)
}

// Quarter words a quarter ("Q3 2026", "T3 2026").
func (p *transparencyPage) Quarter(q redress.Quarter) string {
	return p.T("transparency.quarter", "Q", q.Q, "Year", q.Year)
}

// Period is the report's span in quarters ("2024-Q4_2026-Q3"), for a file's name.
func (p *transparencyPage) Period() string {
	qs := p.Report.Quarters
	if len(qs) == 0 {
		return ""
	}
	return qs[0].String() + "_" + qs[len(qs)-1].String()
}

// AsOf is the month the figures were computed in (in the office's zone; the page names
// no day at all) and how old they may be, in whole minutes.
func (p *transparencyPage) AsOf() string {
	b := p.Report.Built.In(p.zone())
	month := p.T(fmt.Sprintf("month.%d", b.Month()))
	return p.T("transparency.as_of", "Month", month, "Year", b.Year(), "Minutes", int(p.Report.TTL/time.Minute))
}

// transparencyCSV writes every table in long form: table, group (a state, for its
// agencies), row, quarter ("total" for the row's total), value (a count, a median, a
// percent, or the words of a hidden one), in the page's language.
func transparencyCSV(p *transparencyPage) ([]byte, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"table", "group", "row", "quarter", "value"})
	rep := p.Report
	cols := func(table, group, row string, cells []suppress.Cell, total suppress.Cell) {
		for j, c := range cells {
			cw.Write([]string{table, group, row, rep.Quarters[j].String(), p.Cell(c)})
		}
		cw.Write([]string{table, group, row, "total", p.Cell(total)})
	}
	for _, t := range []struct {
		name string
		tab  *oversight.Labeled
	}{{"state", &rep.States}, {"model", &rep.Models}, {"category", &rep.Categories}, {"finding", &rep.Findings}} {
		for i, row := range t.tab.Rows {
			l := t.tab.Labels[i]
			cols(t.name, "", p.Label(l), row.Cells, row.Total)
			if t.name != "state" {
				continue
			}
			for k, c := range row.Children {
				cols("agency", p.Label(l), p.Label(l.Children[k]), c.Cells, c.Total)
			}
		}
		cols(t.name, "", "total", t.tab.Totals, t.tab.Grand)
	}
	for _, row := range rep.Times {
		for j, f := range row.Cells {
			cw.Write([]string{"times", "", p.TimesLabel(row), rep.Quarters[j].String(), p.Figure(f, row.Share)})
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

// publicTableView is one table as the page draws it.
type publicTableView struct {
	P          *transparencyPage
	ID         string
	Caption    string
	Head       string // the rows' column heading
	Rows       []suppress.Row
	Labels     []oversight.Label
	Totals     []suppress.Cell
	Grand      suppress.Cell
	TotalLabel string
}

// tableSection is one section of the page: a heading, a line saying what it counts,
// and its table.
type tableSection struct {
	ID, Title, Intro string
	Table            publicTableView
}

func (p *transparencyPage) view(id, caption, head string, t *oversight.Labeled) publicTableView {
	return publicTableView{P: p, ID: id, Caption: caption, Head: head, Rows: t.Rows, Labels: t.Labels,
		Totals: t.Totals, Grand: t.Grand, TotalLabel: p.T("transparency.total")}
}

// Sections are the page's count tables, in order: by state, by model, by category, by
// finding. The agencies of each state follow the states (Agencies).
func (p *transparencyPage) Sections() []tableSection {
	rep := p.Report
	out := []tableSection{}
	for _, s := range []struct {
		id   string
		tab  *oversight.Labeled
		head string
	}{{"states", &rep.States, "transparency.head.state"}, {"models", &rep.Models, "transparency.head.model"},
		{"categories", &rep.Categories, "transparency.head.category"}, {"findings", &rep.Findings, "transparency.head.finding"}} {
		title := p.T("transparency." + s.id + ".title")
		out = append(out, tableSection{ID: s.id, Title: title, Intro: p.T("transparency." + s.id + ".intro"),
			Table: p.view(s.id+"-table", title, p.T(s.head), s.tab)})
	}
	return out
}

// Agencies are the agency tables, one per state: the state's row is their total.
func (p *transparencyPage) Agencies() []publicTableView {
	rep := p.Report
	out := make([]publicTableView, len(rep.States.Rows))
	for i, r := range rep.States.Rows {
		l := rep.States.Labels[i]
		out[i] = publicTableView{P: p, ID: fmt.Sprintf("agencies-%d", i), Caption: p.Label(l), Head: p.T("transparency.head.agency"),
			Rows: r.Children, Labels: l.Children, Totals: r.Cells, Grand: r.Total,
			TotalLabel: p.T("transparency.state_total", "State", p.Label(l))}
	}
	return out
}

// TimesLabel names a row of times: the median time to close, or a deadline met.
func (p *transparencyPage) TimesLabel(r oversight.TimesRow) string {
	if r.Clock == "" {
		return p.T("transparency.times.close")
	}
	return p.T("transparency.times.deadline", "Clock", p.T("clock."+r.Clock))
}

// PeriodWords says which quarters the report covers.
func (p *transparencyPage) PeriodWords() string {
	qs := p.Report.Quarters
	if len(qs) == 0 {
		return ""
	}
	return p.T("transparency.period", "From", p.Quarter(qs[0]), "To", p.Quarter(qs[len(qs)-1]))
}
