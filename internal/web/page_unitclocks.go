package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

// The units page's second part: each unit's own deadlines (overrides of the clock
// file's defaults), set or cleared by an administrator with one form per unit.

// unitClocksView is one unit's deadlines on the units page.
type unitClocksView struct {
	Unit   redress.Unit
	Own    int  // how many deadlines the unit sets itself
	Open   bool // its form is shown unfolded: just saved, or refused
	Clocks []unitClockView
}

// unitClockView is one clock of a unit: the default in words and the unit's setting.
type unitClockView struct {
	ID      string // prefix of the form fields' ids
	Name    string
	Default string
	Amount  string // "": the unit follows the default
	Counts  []option
	Problem string
}

// unitsPage is the units administration page with every unit's deadlines; ?unit=
// names the one whose form is unfolded (just saved).
func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) (*adminUnitsPage, error) {
	b, err := s.adminPage(w, r)
	p := &adminUnitsPage{adminBase: b, Zones: redress.UnitZones, OfficeZone: s.officeZone().String()}
	if err != nil {
		return p, err
	}
	return p, s.fillUnitClocks(r, p, r.URL.Query().Get("unit"), nil, nil)
}

// fillUnitClocks gathers each unit's deadlines for the page. open names the unit whose
// form is unfolded; form and fe, when given, are what was entered in it and why it was
// refused.
func (s *Server) fillUnitClocks(r *http.Request, p *adminUnitsPage, open string, form url.Values, fe redress.FieldErrors) error {
	defaults := s.Casework.Deadlines
	own, err := s.DB.AllUnitClocks(r.Context())
	if err != nil {
		return err
	}
	p.UnitClocks = nil
	for _, u := range p.Units {
		v := unitClocksView{Unit: u, Open: u.Name == open}
		for _, k := range defaults.Clocks {
			c := unitClockView{ID: "clk-" + u.Name + "-" + k.Name, Name: k.Name,
				Default: p.T("clockunit."+string(k.Unit), "Count", k.Amount)}
			count := k.Unit
			if i := slices.IndexFunc(own[u.Name], func(o deadline.Override) bool { return o.Clock == k.Name }); i >= 0 {
				o := own[u.Name][i]
				v.Own++
				c.Amount = strconv.Itoa(o.Amount)
				if cfg, err := defaults.WithOverrides([]deadline.Override{o}); err == nil {
					kk, _ := cfg.Clock(k.Name)
					count = kk.Unit
				}
			}
			if v.Open && form != nil {
				c.Amount = strings.TrimSpace(form.Get("amount." + k.Name))
				count = deadline.Unit(form.Get("count." + k.Name))
			}
			if i := slices.IndexFunc(fe, func(f redress.FieldError) bool { return f.Field == "clock."+k.Name }); v.Open && i >= 0 {
				c.Problem = p.T("rule."+fe[i].Rule, "Param", fe[i].Param)
			}
			choices := []deadline.Unit{deadline.Hours, deadline.WeekdayHours}
			if k.Unit.Days() {
				choices = []deadline.Unit{deadline.CalendarDays, deadline.BusinessDays}
			}
			for _, ch := range choices {
				c.Counts = append(c.Counts, option{Value: string(ch), Label: p.T("clockcount." + string(ch)), Checked: ch == count})
			}
			v.Clocks = append(v.Clocks, c)
		}
		p.UnitClocks = append(p.UnitClocks, v)
	}
	return nil
}

// handleAdminUnitClocksSave stores one unit's deadlines whole: a clock whose amount is
// left empty follows the default. Refused input is drawn again as entered, with the
// reason next to the field and in the summary; nothing is stored then.
func (s *Server) handleAdminUnitClocksSave(w http.ResponseWriter, r *http.Request, p *adminUnitsPage) {
	unit := r.PostForm.Get("unit")
	if !slices.ContainsFunc(p.Units, func(u redress.Unit) bool { return u.Name == unit }) {
		s.renderPageError(w, r, p, redress.Errorf(redress.ENOTFOUND, "Unit not found."))
		return
	}
	var settings []casework.ClockSetting
	for _, k := range s.Casework.Deadlines.Clocks {
		amount := strings.TrimSpace(r.PostForm.Get("amount." + k.Name))
		if amount == "" {
			continue
		}
		n, err := strconv.Atoi(amount)
		if err != nil {
			n = -1 // not a number: refused with the range rule, like any other bad amount
		}
		settings = append(settings, casework.ClockSetting{Clock: k.Name, Amount: n, Count: deadline.Unit(r.PostForm.Get("count." + k.Name))})
	}
	pr, _ := principal(r)
	err := s.Casework.SetUnitClocks(r.Context(), casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)}, unit, settings)
	var de *redress.Error
	if errors.As(err, &de) && de.Code == redress.EINVALID && len(de.Fields) > 0 {
		if err := s.fillUnitClocks(r, p, unit, r.PostForm, de.Fields); err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
		f := de.Fields[0]
		title := unit
		if i := slices.IndexFunc(p.Units, func(u redress.Unit) bool { return u.Name == unit }); i >= 0 {
			title = p.Units[i].Title
		}
		// A clock's field is named like its catalog key: clock.<name>.
		p.Problem = p.T("admin.clock_problem", "Unit", title, "Clock", p.T(f.Field), "Problem", p.T("rule."+f.Rule, "Param", f.Param))
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/admin/units?saved=1&unit="+url.QueryEscape(unit)+"#clocks-"+unit, http.StatusSeeOther)
}
