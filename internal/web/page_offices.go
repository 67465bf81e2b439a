package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
)

// The directory of offices referral letters go to, for administrators. Saving an office
// of a name listed replaces it; casework validates and records each change.

// officeForm is the office form as sent, to show again when it is refused.
type officeForm struct {
	Name, Email, States, Agencies string
	Recipients                    []string
}

// Has says whether the form chose recipient r.
func (f officeForm) Has(r string) bool {
	for _, x := range f.Recipients {
		if x == r {
			return true
		}
	}
	return false
}

func (s *Server) officesPage(w http.ResponseWriter, r *http.Request) (*adminOfficesPage, error) {
	noStore(w)
	p := &adminOfficesPage{page: s.newPage(r, s.pageLang(w, r)), Recipients: casework.OfficeRecipients}
	var err error
	p.Offices, err = s.Casework.Offices(r.Context())
	return p, err
}

func (s *Server) handleAdminOffices(w http.ResponseWriter, r *http.Request) {
	p, err := s.officesPage(w, r)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleAdminOfficeSave(w http.ResponseWriter, r *http.Request) {
	p, err := s.officesPage(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	pr, _ := principal(r)
	actor := casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)}
	if r.PostForm.Get("op") == "delete" {
		id, bad := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
		if bad != nil {
			id = 0 // not a number: no office has it
		}
		err = s.Casework.RemoveOffice(r.Context(), actor, id)
	} else {
		p.Form = officeForm{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), States: r.PostForm.Get("states"),
			Agencies: r.PostForm.Get("agency_ids"), Recipients: r.PostForm["recipients"]}
		var o redress.Office
		if o, err = p.Form.office(); err == nil {
			_, err = s.Casework.SaveOffice(r.Context(), actor, o)
		}
	}
	switch {
	case redress.ErrorCode(err) == redress.EINVALID:
		p.Problem = s.problemText(p, err)
		s.render(w, r, http.StatusUnprocessableEntity, p)
	case err != nil:
		s.renderPageError(w, r, p, err)
	default:
		http.Redirect(w, r, "/admin/offices?saved=1", http.StatusSeeOther)
	}
}

// office reads the form; agency ids that are not numbers are refused here, the rest
// by casework.
func (f officeForm) office() (redress.Office, error) {
	split := func(v string) []string {
		return strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' })
	}
	o := redress.Office{Name: f.Name, Email: f.Email, Recipients: f.Recipients, States: split(f.States)}
	for _, v := range split(f.Agencies) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			var fe redress.FieldErrors
			fe.Add("agencies", "id")
			return o, fe.Err()
		}
		o.AgencyIDs = append(o.AgencyIDs, id)
	}
	return o, nil
}
