package redress

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a complaint reached us.
type Channel string

const (
	ChannelWeb      Channel = "web"
	ChannelAPI      Channel = "api"
	ChannelPhone    Channel = "phone"
	ChannelMail     Channel = "mail"
	ChannelInPerson Channel = "in_person"
)

var Channels = []Channel{ChannelWeb, ChannelAPI, ChannelPhone, ChannelMail, ChannelInPerson}

// StaffChannels are the channels staff enter complaints from: the complainant called,
// wrote or came in, and an intake officer typed the complaint in for them.
var StaffChannels = []Channel{ChannelPhone, ChannelMail, ChannelInPerson}

// Filer says who is filing, relative to the person the conduct was aimed at.
type Filer string

var Filers = []Filer{"self", "relative", "lawyer", "advocate", "other"}

// Function is a 287(g) power the complaint is about.
type Function string

// Functions in the order the form shows them. Each names the models under which an
// officer can exercise it, which is how we pick the agreement in force at filing.
var Functions = []Function{
	"interview", "database_check", "detainer", "warrant", "notice_to_appear",
	"custody_transfer", "field_arrest", "unknown",
}

var functionModels = map[Function][]Model{
	"interview":        {ModelJEM, ModelTFM},
	"database_check":   {ModelJEM, ModelTFM},
	"detainer":         {ModelJEM, ModelWSO},
	"warrant":          {ModelJEM, ModelWSO, ModelTFM},
	"notice_to_appear": {ModelJEM, ModelTFM},
	"custody_transfer": {ModelJEM, ModelWSO, ModelTFM},
	"field_arrest":     {ModelTFM},
	"unknown":          {ModelJEM, ModelWSO, ModelTFM},
}

// FunctionModels returns the models under which f can be exercised.
func FunctionModels(f Function) []Model { return functionModels[f] }

// Category is a kind of allegation. Each chosen category becomes one Allegation row so
// that findings can later be made per allegation.
type Category string

var Categories = []Category{
	"racial_profiling", "held_past_release", "coercion", "no_interpreter", "denied_lawyer",
	"denied_phone_call", "denied_consular_notification", "force", "medical_neglect",
	"retaliation", "wrongful_detention", "privacy", "property", "verbal_abuse", "other",
}

// Recipient is an office a complaint can be referred to; the complainant chooses, per
// recipient, whether their identity may go with it.
type Recipient string

var ConsentRecipients = []Recipient{"agency_ia", "ice_opr", "dhs_oig", "dhs_crcl"}

// Limits on public input, generous for a real account and small enough that one
// request cannot fill the database.
const (
	MaxNarrative  = 20000
	MaxLongText   = 4000
	MaxShortText  = 300
	MaxListItems  = 20
	MinIncidentYr = 1996 // section 287(g) was added to the INA in 1996
)

// Custody holds what the filer says about custody; nil means "not said / don't know".
type Custody struct {
	InCustody       *bool `json:"in_custody"`
	DetainerIssued  *bool `json:"detainer_issued"`
	HeldPastRelease *bool `json:"held_past_release"`
}

// Custody facts, by the question answered yes: the queue's custody filter and the
// routing rules name them so.
const (
	CustodyInCustody       = "in_custody"        // the person is said to be held now
	CustodyDetainer        = "detainer"          // an ICE hold (detainer) was placed
	CustodyHeldPastRelease = "held_past_release" // held after they should have been let go
)

// CustodyFacts lists them, most urgent first.
var CustodyFacts = []string{CustodyInCustody, CustodyDetainer, CustodyHeldPastRelease}

// Answer is the filer's answer to the custody question fact names: nil when not
// answered ("I don't know"), or when fact is not one of CustodyFacts.
func (c Custody) Answer(fact string) *bool {
	switch fact {
	case CustodyInCustody:
		return c.InCustody
	case CustodyDetainer:
		return c.DetainerIssued
	case CustodyHeldPastRelease:
		return c.HeldPastRelease
	}
	return nil
}

// Says reports whether the filer answered yes to the custody question fact names.
func (c Custody) Says(fact string) bool {
	b := c.Answer(fact)
	return b != nil && *b
}

// Contact is the filer's identity and how to reach them. It is only ever stored
// encrypted and is never written to logs, emails, exports or the audit trail.
type Contact struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

func (c Contact) IsEmpty() bool { return c == Contact{} }

// ComplaintInput is what a filer gives us, from the form or the API.
type ComplaintInput struct {
	Language          string      `json:"language"`
	Channel           Channel     `json:"-"`
	IncidentDate      string      `json:"incident_date"`
	State             string      `json:"state"`
	County            string      `json:"county"`
	Place             string      `json:"place"`
	AgencyID          int64       `json:"agency_id"`
	AgencyOther       string      `json:"agency_other"`
	Functions         []Function  `json:"functions"`
	Categories        []Category  `json:"categories"`
	Narrative         string      `json:"narrative"`
	Officers          string      `json:"officers"`
	Witnesses         string      `json:"witnesses"`
	Custody           Custody     `json:"custody"`
	Filer             Filer       `json:"filer"`
	PreferredLanguage string      `json:"preferred_language"`
	Anonymous         bool        `json:"anonymous"`
	Contact           Contact     `json:"contact"`
	Consent           []Recipient `json:"consent_to_share_identity"`
}

// Complaint is a filed complaint as the system holds it, contact decrypted only when a
// caller with the right to see it asked for it.
type Complaint struct {
	ID             int64
	TrackingNumber string
	ReceivedAt     time.Time
	Language       string
	Channel        Channel
	IncidentDate   Date
	State          string
	County         string
	Place          string
	AgencyID       int64
	AgencyOther    string
	AgreementID    int64
	// Attribution says why AgreementID is 0 (AttributionNoAgency, …); empty when an
	// agreement is tied or staff left it unset on purpose.
	Attribution       string
	Functions         []Function
	Allegations       []Allegation
	Narrative         string
	Officers          string
	Witnesses         string
	Custody           Custody
	Filer             Filer
	PreferredLanguage string
	Anonymous         bool
	Consent           []Recipient
	Status            string
	StatusChangedAt   time.Time
	// Unit is the review unit the complaint belongs to; "" until one covers it.
	Unit string
	// Priority is "normal" or "urgent" (someone may still be held, force, medical).
	Priority string
	// AssigneeID is the staff account investigating it; 0 while no one is.
	AssigneeID int64
	// EnteredBy is the staff account that typed in a complaint received by phone, mail
	// or in person (Channel says which); 0 when the complainant filed it.
	EnteredBy int64
}

// Allegation is one category of misconduct alleged in a complaint; findings attach here.
type Allegation struct {
	ID       int64
	Category Category
}

// Normalize trims the input and fills what can be derived, before Validate.
func (in *ComplaintInput) Normalize() {
	for _, p := range []*string{&in.Language, &in.IncidentDate, &in.State, &in.County, &in.Place,
		&in.AgencyOther, &in.Officers, &in.Witnesses, &in.PreferredLanguage,
		&in.Contact.Name, &in.Contact.Email, &in.Contact.Phone, &in.Contact.Address} {
		*p = strings.TrimSpace(*p)
	}
	// Single-line fields have no use for characters that reorder or hide text; the
	// long ones keep the complainant's words as typed and are isolated where shown.
	for _, p := range []*string{&in.County, &in.Place, &in.AgencyOther,
		&in.Contact.Name, &in.Contact.Email, &in.Contact.Phone, &in.Contact.Address} {
		*p = strings.TrimSpace(StripHiddenControls(*p))
	}
	in.Narrative = strings.TrimSpace(in.Narrative)
	if code, ok := StateCode(in.State); ok {
		in.State = code
	}
	in.Language = strings.ToLower(in.Language)
	in.Filer = Filer(strings.TrimSpace(string(in.Filer)))
	if in.Anonymous {
		// An anonymous filing keeps no identity, whatever else was sent along.
		in.Contact = Contact{}
		in.Consent = nil
	}
}

// Validate checks the input against the rules every channel shares. languages lists the
// languages we can answer in; today is the filer's "now", for the future-date rule.
func (in *ComplaintInput) Validate(languages []string, today Date) FieldErrors {
	var fe FieldErrors
	in.checkText(&fe)

	if !slices.Contains(languages, in.Language) {
		fe.Add("language", "one_of", strings.Join(languages, ", "))
	}

	in.checkWhenWhere(&fe, today)

	checkLen(&fe, "county", in.County, MaxShortText)
	checkLen(&fe, "place", in.Place, MaxShortText)
	checkLen(&fe, "agency_other", in.AgencyOther, MaxShortText)
	checkLen(&fe, "officers", in.Officers, MaxLongText)
	checkLen(&fe, "witnesses", in.Witnesses, MaxLongText)
	checkLen(&fe, "preferred_language", in.PreferredLanguage, 100)

	if in.Narrative == "" {
		fe.Add("narrative", "required")
	} else {
		checkLen(&fe, "narrative", in.Narrative, MaxNarrative)
	}

	checkList(&fe, "functions", in.Functions, Functions)
	if len(in.Categories) == 0 {
		fe.Add("categories", "required_one")
	} else {
		checkList(&fe, "categories", in.Categories, Categories)
	}
	checkList(&fe, "consent_to_share_identity", in.Consent, ConsentRecipients)

	if in.Filer == "" {
		fe.Add("filer", "required")
	} else if !slices.Contains(Filers, in.Filer) {
		fe.Add("filer", "one_of", joinCodes(Filers))
	}

	in.checkContact(&fe)
	return fe
}

// checkText refuses text that is not valid UTF-8 or holds NUL, in any field.
func (in *ComplaintInput) checkText(fe *FieldErrors) {
	for field, s := range map[string]string{
		"language": in.Language, "incident_date": in.IncidentDate, "state": in.State,
		"county": in.County, "place": in.Place, "agency_other": in.AgencyOther,
		"narrative": in.Narrative, "officers": in.Officers, "witnesses": in.Witnesses,
		"preferred_language": in.PreferredLanguage, "contact.name": in.Contact.Name,
		"contact.email": in.Contact.Email, "contact.phone": in.Contact.Phone,
		"contact.address": in.Contact.Address,
	} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			fe.Add(field, "invalid_text")
		}
	}
}

// checkWhenWhere checks the incident date, the state and the agency.
func (in *ComplaintInput) checkWhenWhere(fe *FieldErrors, today Date) {
	switch d, err := ParseDate(in.IncidentDate); {
	case in.IncidentDate == "":
		fe.Add("incident_date", "required")
	case err != nil:
		fe.Add("incident_date", "date")
	case d.After(today):
		fe.Add("incident_date", "future")
	case d.Year < MinIncidentYr:
		fe.Add("incident_date", "before_287g", MinIncidentYr)
	}

	if in.State == "" && in.AgencyID == 0 {
		fe.Add("state", "required")
	} else if in.State != "" {
		if _, ok := StateCode(in.State); !ok {
			fe.Add("state", "state")
		}
	}
	if in.AgencyID < 0 {
		fe.Add("agency_id", "unknown_agency")
	}
}

// checkContact checks the complainant's contact details, when given.
func (in *ComplaintInput) checkContact(fe *FieldErrors) {
	checkLen(fe, "contact.name", in.Contact.Name, 200)
	checkLen(fe, "contact.address", in.Contact.Address, MaxShortText)
	if e := in.Contact.Email; e != "" && !fe.Has("contact.email") {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 254 {
			fe.Add("contact.email", "email")
		}
	}
	if p := in.Contact.Phone; p != "" && !fe.Has("contact.phone") {
		if !validPhone(p) {
			fe.Add("contact.phone", "phone")
		}
	}
}

func checkLen(fe *FieldErrors, field, s string, max int) {
	if !fe.Has(field) && utf8.RuneCountInString(s) > max {
		fe.Add(field, "too_long", max)
	}
}

// checkList refuses lists that are too long, hold unknown codes or repeat one.
func checkList[T ~string](fe *FieldErrors, field string, got, allowed []T) {
	if len(got) > MaxListItems {
		fe.Add(field, "too_many", MaxListItems)
		return
	}
	seen := map[T]bool{}
	for _, v := range got {
		switch {
		case !slices.Contains(allowed, v):
			fe.Add(field, "unknown_code", v)
			return
		case seen[v]:
			fe.Add(field, "duplicate", v)
			return
		}
		seen[v] = true
	}
}

func joinCodes[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// validPhone accepts the ways people write phone numbers, in any country: digits with
// spaces, dots, dashes, parentheses and a leading plus; 5 to 20 digits.
func validPhone(p string) bool {
	if len(p) > 40 {
		return false
	}
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// Why a complaint is not tied to an agreement (Attribution.Reason); each has a catalog
// key "attribution.<reason>" that the case page shows.
const (
	AttributionNoAgency   = "no_agency"         // the complainant did not name a listed agency
	AttributionNoneFits   = "none_in_force"     // no agreement of the agency was in force on the day
	AttributionSeveral    = "several_in_force"  // more than one was, and the functions named do not decide
	AttributionUnreadable = "unreadable_date"   // one that may have been in force has a date ICE published unreadably
	AttributionCleared    = "cleared_at_triage" // staff found none applies (the reason is in the triage event)
)

// Attribution is the agreement a complaint is tied to, or why none is: triage reads the
// reason and the candidates to set the agreement by hand.
type Attribution struct {
	Agreement *Agreement
	// Reason is empty when Agreement is set.
	Reason string
	// Candidates are the agreements that may have covered the conduct, in the order
	// given: several when ambiguous, those with an unreadable date among them.
	Candidates []int64
}

// AttributeAgreement picks the agreement in force for an agency on the incident date.
// When the filer names functions, only models under which all of them can be exercised
// count. It ties none when none, or more than one, may have been in force: a wrong guess
// would tie the complaint to the wrong MOA, and triage can set it later. An agreement
// whose signing date cannot be read is never left out: it may have been in force, so it
// makes the answer ambiguous.
func AttributeAgreement(agreements []Agreement, incident Date, functions []Function) Attribution {
	allowed := map[Model]bool{ModelJEM: true, ModelWSO: true, ModelTFM: true}
	for _, f := range functions {
		ms := FunctionModels(f)
		for _, m := range Models {
			if !slices.Contains(ms, m) {
				allowed[m] = false
			}
		}
	}
	var out Attribution
	unreadable := false
	for i := range agreements {
		a := agreements[i]
		if !allowed[a.Model] || !a.MayBeInForceOn(incident) {
			continue
		}
		unreadable = unreadable || a.SignedOn.IsZero()
		out.Candidates = append(out.Candidates, a.ID)
		out.Agreement = &agreements[i]
	}
	switch {
	case unreadable:
		out.Agreement, out.Reason = nil, AttributionUnreadable
	case len(out.Candidates) == 0:
		out.Reason = AttributionNoneFits
	case len(out.Candidates) > 1:
		out.Agreement, out.Reason = nil, AttributionSeveral
	default:
		out.Candidates = nil
	}
	return out
}
