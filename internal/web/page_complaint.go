package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

// option is one choice in a select, radio group or checkbox list.
type option struct {
	Value, Label string
	Checked      bool
}

type contactField struct {
	Name, ID, Type, Autocomplete, Label, Value, Error string
}

type custodyQuestion struct {
	Name, Label string
	Options     []option
}

type errorLink struct{ ID, Label, Message string }

// complaintForm is the complaint form as drawn: what was entered and what was wrong.
type complaintForm struct {
	page   *page
	values map[string][]string
	Errors map[string]string
	order  []string
	Today  string

	Filers, States, Agencies, Categories, Functions, Consent []option
	Custody                                                  []custodyQuestion
	ContactFields                                            []contactField
	AgencyCount                                              int
	Anonymous                                                bool
	// Nonce names this filling-in of the form: sending it twice files once.
	Nonce string
	// Unavailable is the message shown above a form drawn again because the database
	// could not take it; nothing was stored, everything entered is still in the form.
	Unavailable string
	// down is the outage met while drawing the form (the agency list could not be read).
	down error
	// staff: an officer types someone else's answers, so the questions name the
	// complainant instead of "you".
	staff bool
	// Action is where the form is sent; "Show agencies" sends it there too and comes
	// back to the agency list (Action + "#agencies"), not the top of the page.
	Action string
	// DateRead says how a date typed in the language's habit (03/01/2025) was read;
	// empty when it was typed as the date field sends it, or could not be read.
	DateRead string
}

func (f *complaintForm) Val(name string) string {
	if v := f.values[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f *complaintForm) Err(name string) string { return f.Errors[name] }

func (f *complaintForm) has(name, value string) bool {
	for _, v := range f.values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// formOrder is the order of the fields on the form (complaint_fields.html), which the
// error summary follows: a person reads the summary and the form top to bottom.
var formOrder = []string{"language", "filer", "incident_date", "state", "agency_id", "agency_other",
	"county", "place", "categories", "narrative", "functions", "officers", "witnesses",
	"anonymous", "contact.name", "contact.email", "contact.phone", "contact.address",
	"preferred_language", "consent_to_share_identity"}

// ErrorList is the summary at the top of the form, in the form's order, each linking to
// its field.
func (f *complaintForm) ErrorList() []errorLink {
	order := slices.Clone(f.order)
	slices.SortStableFunc(order, func(a, b string) int { return fieldRank(a) - fieldRank(b) })
	var out []errorLink
	for _, field := range order {
		out = append(out, errorLink{ID: fieldID(field), Label: f.Label(field), Message: f.Errors[field]})
	}
	return out
}

// fieldRank is a field's place on the form; a field the form does not show comes last.
func fieldRank(field string) int {
	if i := slices.Index(formOrder, field); i >= 0 {
		return i
	}
	return len(formOrder)
}

// DateType is the incident date input's type: "date", unless what was typed is no ISO
// date, which a date input would show empty; then "text", so it is not lost.
func (f *complaintForm) DateType() string {
	if v := f.Val("incident_date"); v != "" {
		if _, err := redress.ParseDate(v); err != nil {
			return "text"
		}
	}
	return "date"
}

// readTypedDate puts a date typed in the page language's habit (month or day first)
// into the ISO form the complaint takes, in values, so it is filed and drawn again as
// read; DateRead tells the person how it was read. A date it cannot read is left as
// typed, for validation to explain with an example in the person's language.
func (f *complaintForm) readTypedDate() {
	typed := strings.TrimSpace(f.Val("incident_date"))
	if typed == "" {
		return
	}
	if _, err := redress.ParseDate(typed); err == nil {
		return
	}
	d, _, ok := redress.ReadTypedDate(typed, f.page.T("form.date_order"))
	if !ok {
		return
	}
	f.values["incident_date"] = []string{d.String()}
	f.DateRead = f.page.T("form.date_read", "Typed", typed, "Date", f.page.D(d))
}

// fieldID maps an API field name to the id of its input on the page.
func fieldID(field string) string {
	field = strings.TrimPrefix(field, "contact.")
	if field == "consent_to_share_identity" {
		return "consent"
	}
	return field
}

func fieldLabelKey(field string) string {
	if field == "consent_to_share_identity" {
		return "field.consent"
	}
	return "field." + strings.TrimPrefix(field, "contact.")
}

// aboutComplainant are the questions about the complainant that the public form asks as
// "your …"; the staff entry form asks them about the complainant (catalog "enter.field.*").
var aboutComplainant = map[string]bool{"field.name": true, "field.email": true, "field.phone": true,
	"field.address": true, "field.anonymous": true, "field.preferred_language": true, "field.consent": true}

// Label is the question of a field (an API field name), worded for who fills the form in.
func (f *complaintForm) Label(field string) string {
	key := fieldLabelKey(field)
	if f.staff && aboutComplainant[key] {
		key = "enter." + key
	}
	return f.page.T(key)
}

// AnonymousNote says, by the anonymous choice, what anonymity drops: the contact
// details below it and any email.
func (f *complaintForm) AnonymousNote() string {
	if f.staff {
		return f.page.T("enter.form.anonymous_note")
	}
	return f.page.T("form.anonymous_note")
}

// forStaff words the form for an officer entering a complaint received by phone, mail
// or in person.
func (f *complaintForm) forStaff() {
	f.staff = true
	for i := range f.ContactFields {
		f.ContactFields[i].Label = f.Label(f.ContactFields[i].Name)
	}
}

// newComplaintForm builds the form's choices in lang from the values entered.
func (s *Server) newComplaintForm(r *http.Request, p *page, values map[string][]string) (*complaintForm, error) {
	f := &complaintForm{page: p, values: values, Errors: map[string]string{}, Today: s.todayString(), Action: "/complaint"}
	f.readTypedDate()
	// A form drawn again (with agencies, or with errors) keeps its nonce: it is still
	// the same complaint, not yet filed.
	if f.Nonce = f.Val("nonce"); !validNonce(f.Nonce) {
		f.Nonce = newNonce()
	}
	for _, v := range redress.Filers {
		f.Filers = append(f.Filers, option{string(v), p.T("filer." + string(v)), f.has("filer", string(v))})
	}
	state := f.Val("state")
	if code, ok := redress.StateCode(state); ok {
		state = code
	}
	for _, st := range redress.States {
		f.States = append(f.States, option{st.Code, st.Name, st.Code == state})
	}
	for _, v := range redress.Categories {
		f.Categories = append(f.Categories, option{string(v), p.T("category." + string(v)), f.has("categories", string(v))})
	}
	for _, v := range redress.Functions {
		f.Functions = append(f.Functions, option{string(v), p.T("function." + string(v)), f.has("functions", string(v))})
	}
	for _, v := range redress.ConsentRecipients {
		f.Consent = append(f.Consent, option{string(v), p.T("recipient." + string(v)), f.has("consent_to_share_identity", string(v))})
	}
	for _, name := range []string{"in_custody", "detainer_issued", "held_past_release"} {
		q := custodyQuestion{Name: name, Label: p.T("field." + name)}
		for _, v := range []string{"yes", "no", "unknown"} {
			checked := f.Val(name) == v || (v == "unknown" && f.Val(name) == "")
			q.Options = append(q.Options, option{v, p.T("answer." + v), checked})
		}
		f.Custody = append(f.Custody, q)
	}
	f.Anonymous = f.Val("anonymous") == "yes"
	for _, c := range []struct{ name, typ, auto string }{
		{"name", "text", "name"}, {"email", "email", "email"}, {"phone", "tel", "tel"}, {"address", "text", "street-address"},
	} {
		f.ContactFields = append(f.ContactFields, contactField{Name: c.name, ID: c.name, Type: c.typ,
			Autocomplete: c.auto, Label: p.T("field." + c.name), Value: f.Val(c.name)})
	}

	// The agency list: the chosen state's agencies, narrowed by the search words.
	q := strings.TrimSpace(f.Val("agency_q"))
	if utf8.RuneCountInString(q) > redress.MaxSearchText {
		q = string([]rune(q)[:redress.MaxSearchText])
	}
	if state != "" || q != "" {
		agencies, err := s.DB.ListAgencies(r.Context(), state, q, 1000)
		if redress.ErrorCode(err) == redress.EUNAVAILABLE {
			// Keep the agency already chosen, so sending the form again once the database
			// is back files it as entered; the list returns with the database.
			f.down = err
			if chosen := f.Val("agency_id"); chosen != "" {
				f.Agencies = []option{{chosen, p.T("form.agency_kept"), true}}
			}
			return f, nil
		} else if err != nil {
			return nil, err
		}
		chosen := f.Val("agency_id")
		for _, a := range agencies {
			label := agencyLabel(p, a.Name)
			if a.County != "" && !strings.Contains(a.Name, a.County) {
				label += " (" + a.County + ")"
			}
			if state == "" {
				label += ", " + a.State
			}
			id := strconv.FormatInt(a.ID, 10)
			f.Agencies = append(f.Agencies, option{id, label, id == chosen})
		}
		f.AgencyCount = len(agencies)
	}
	return f, nil
}

// setErrors puts each field problem next to its field, in the page's language.
func (f *complaintForm) setErrors(fe redress.FieldErrors) {
	for _, e := range fe {
		if _, dup := f.Errors[e.Field]; dup {
			continue
		}
		f.Errors[e.Field] = f.ruleText(e)
		f.order = append(f.order, e.Field)
	}
	for i := range f.ContactFields {
		f.ContactFields[i].Error = f.Errors["contact."+f.ContactFields[i].Name]
	}
}

// ruleText is a field problem in words. On the form a date is typed by a person, so
// the date rule explains their language's habit with an example, and a field too long
// says by how much: the API's words for programs (YYYY-MM-DD) would not help them.
func (f *complaintForm) ruleText(e redress.FieldError) string {
	switch {
	case e.Field == "incident_date" && e.Rule == "date":
		return f.page.T("rule.date_typed")
	case e.Rule == "too_long":
		name := strings.TrimPrefix(e.Field, "contact.")
		return f.page.T("rule.too_long_typed", "Param", e.Param, "Count", utf8.RuneCountInString(strings.TrimSpace(f.Val(name))))
	}
	return f.page.T("rule."+e.Rule, "Param", e.Param)
}

func (s *Server) handleComplaintForm(w http.ResponseWriter, r *http.Request) {
	p := &complaintPage{page: s.newPage(r, s.pageLang(w, r))}
	f, err := s.newComplaintForm(r, p.page, r.URL.Query())
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Form = f
	if f.down != nil {
		s.renderFormUnavailable(w, r, p, f, f.down)
		return
	}
	s.render(w, r, http.StatusOK, p)
}

// handleComplaintSubmit files a complaint from the form, or redraws the form with what
// was entered: to show agencies for a state, or with a message next to each problem.
func (s *Server) handleComplaintSubmit(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	lang := s.pageLang(w, r)
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, s.newPage(r, lang), formReadError(err))
		return
	}
	if l := r.PostForm.Get("language"); s.Catalog.Supported(l) {
		lang = l
	}
	p := &complaintPage{page: s.newPage(r, lang)}
	f, err := s.newComplaintForm(r, p.page, r.PostForm)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Form = f
	if f.down != nil {
		s.renderFormUnavailable(w, r, p, f, f.down)
		return
	}
	if r.PostForm.Get("step") == "agencies" {
		s.render(w, r, http.StatusOK, p)
		return
	}
	// A person never sees the honeypot field; only a bot fills it in.
	if r.PostForm.Get("website") != "" {
		s.Log.Info("honeypot field filled; complaint refused", "request_id", requestID(r))
		s.renderPageError(w, r, p, &apiError{status: http.StatusBadRequest, key: "error.bot"})
		return
	}
	in := complaintFromForm(r.PostForm, lang)
	in.Channel = redress.ChannelWeb
	req := intake.Request{Actor: redress.ActorPublic, ActorRole: "public", RequestID: requestID(r), Today: s.today(),
		Admit: s.admitFiling(r)}
	if n := r.PostForm.Get("nonce"); validNonce(n) {
		req.Retry = &intake.Retry{Scope: "form", Key: n}
	}
	filed, err := s.Intake.FileComplaint(r.Context(), in, req)
	var de *redress.Error
	var ae *apiError
	if errors.Is(err, intake.ErrRetryDiffers) {
		// Back, changed and sent again: the first complaint stands, and the page says
		// so without its receipt code, which belongs to what was sent first.
		s.renderReceipt(w, r, p.page, f, filed, http.StatusOK)
		return
	} else if errors.As(err, &de) && de.Code == redress.EINVALID {
		f.setErrors(de.Fields)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	} else if de != nil && de.Code == redress.EUNAVAILABLE {
		s.renderFormUnavailable(w, r, p, f, err)
		return
	} else if errors.As(err, &ae) && ae.retryAfter > 0 {
		// Over the filing limit: the form again, with all that was written in it.
		tooMany(w, ae.retryAfter)
		p.Problem = p.T(ae.key, mapToKV(ae.data)...)
		s.render(w, r, ae.status, p)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if filed.Replayed {
		// The same form sent again (a double click, a retry after a lost answer): the
		// receipt of the complaint it filed, again.
		s.renderReceipt(w, r, p.page, f, filed, http.StatusOK)
		return
	}
	if filed.Emailed && s.MailQueued != nil {
		s.MailQueued()
	}
	s.renderReceipt(w, r, p.page, f, filed, http.StatusCreated)
}

// renderFormUnavailable answers an outage with the form drawn again as it was sent: a
// complainant who may have written for a long time must not lose it to our failure.
func (s *Server) renderFormUnavailable(w http.ResponseWriter, r *http.Request, p *complaintPage, f *complaintForm, err error) {
	ae := s.classify(r, err)
	f.Unavailable = p.T("form.unavailable", "Button", p.T("form.submit"))
	writeErrorHeaders(w, ae)
	s.render(w, r, ae.status, p)
}

// newNonce draws a form's one-time nonce: 128 random bits. It is stored only with a
// complaint it filed, so drawing or guessing nonces fills nothing, and another
// person's nonce cannot be guessed to be used up.
func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validNonce accepts what newNonce makes; anything else is ignored (the complaint is
// filed without one).
func validNonce(n string) bool {
	if len(n) != 22 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(n)
	return err == nil
}

// complaintFromForm reads the form into the same input the API takes, so both channels
// share one set of rules. An agency id that is not a number becomes -1, which validation
// reports as an unknown agency next to the field.
func complaintFromForm(v map[string][]string, lang string) redress.ComplaintInput {
	get := func(k string) string {
		if x := v[k]; len(x) > 0 {
			return x[0]
		}
		return ""
	}
	in := redress.ComplaintInput{
		Language: lang, IncidentDate: get("incident_date"), State: get("state"), County: get("county"),
		Place: get("place"), AgencyOther: get("agency_other"), Narrative: get("narrative"),
		Officers: get("officers"), Witnesses: get("witnesses"), Filer: redress.Filer(get("filer")),
		PreferredLanguage: get("preferred_language"), Anonymous: get("anonymous") == "yes",
		Contact: redress.Contact{Name: get("name"), Email: get("email"), Phone: get("phone"), Address: get("address")},
	}
	if a := strings.TrimSpace(get("agency_id")); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // Validate reports it as an unknown agency
		}
		in.AgencyID = id
	}
	for _, c := range v["categories"] {
		in.Categories = append(in.Categories, redress.Category(c))
	}
	for _, c := range v["functions"] {
		in.Functions = append(in.Functions, redress.Function(c))
	}
	for _, c := range v["consent_to_share_identity"] {
		in.Consent = append(in.Consent, redress.Recipient(c))
	}
	tri := func(k string) *bool {
		switch get(k) {
		case "yes":
			t := true
			return &t
		case "no":
			f := false
			return &f
		}
		return nil
	}
	in.Custody = redress.Custody{InCustody: tri("in_custody"), DetainerIssued: tri("detainer_issued"), HeldPastRelease: tri("held_past_release")}
	return in
}

// formReadError explains a form body we could not read.
func formReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, key: "error.too_large", data: map[string]any{"Limit": mbe.Limit}}
	}
	return &apiError{status: http.StatusBadRequest, key: "error.bad_form"}
}
