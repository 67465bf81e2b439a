package mail

import (
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
)

// LetterLanguage is the language of referral letters: the offices a complaint is
// referred to (DHS, ICE, agencies, attorneys general) work in English, whatever
// language the complainant wrote in.
const LetterLanguage = "en"

// ReferralLetter is what a referral letter tells an office. Identity is nil unless
// the complainant consented to share it with this office, the complaint is not
// anonymous, and the officer chose to share it (casework.Refer decides).
type ReferralLetter struct {
	Office       string
	Tracking     string
	ReceivedAt   time.Time
	Agency       string             // the agency's name and state, from the registry
	AgencyNamed  string             // the complainant's words for an agency not in the registry
	Agreement    *redress.Agreement // nil when the complaint is tied to no 287(g) agreement
	State        string
	IncidentDate redress.Date
	Categories   []redress.Category
	Functions    []redress.Function
	Shared       string // what the review officer sends, in their words
	Due          time.Time
	Anonymous    bool
	Identity     *redress.Contact
}

// ReferralLetterText words a referral letter, in English. It carries what the office
// needs to act and what the officer chose to send; never the complainant's own
// narrative, which may identify them to an office they did not consent to, and their
// identity and contact only in l.Identity's case.
func ReferralLetterText(cat *i18n.Catalog, l ReferralLetter) (subject, body string) {
	const lang = LetterLanguage
	t := func(id string, data map[string]any) string { return cat.T(lang, id, data) }
	date := func(d time.Time) string { return cat.Date(lang, d.Year(), d.Month(), d.Day()) }
	data := map[string]any{"Office": l.Office, "Tracking": l.Tracking, "Received": date(l.ReceivedAt), "Due": date(l.Due)}
	facts := []string{
		t("letter.agency", map[string]any{"Agency": orNone(t, agency(t, l))}),
		t("letter.agreement", map[string]any{"Agreement": orNone(t, agreement(t, l.Agreement))}),
		t("letter.state", map[string]any{"State": orNone(t, l.State)}),
		t("letter.incident_date", map[string]any{"Date": orNone(t, cat.Date(lang, l.IncidentDate.Year, l.IncidentDate.Month, l.IncidentDate.Day))}),
		t("letter.categories", map[string]any{"List": orNone(t, translated(t, "category.", l.Categories))}),
		t("letter.functions", map[string]any{"List": orNone(t, translated(t, "function.", l.Functions))}),
	}
	paragraphs := []string{
		t("letter.greeting", data),
		t("letter.intro", data),
		strings.Join(facts, "\n"),
	}
	if s := strings.TrimSpace(l.Shared); s != "" {
		paragraphs = append(paragraphs, t("letter.shared", nil)+"\n"+s)
	}
	paragraphs = append(paragraphs, identityParagraph(t, l), t("letter.reply", data), t("letter.footer", nil))
	return t("letter.subject", data), strings.Join(paragraphs, "\n\n") + "\n"
}

// identityParagraph gives the complainant's identity and contact, or says why the
// letter carries none.
func identityParagraph(t func(string, map[string]any) string, l ReferralLetter) string {
	switch {
	case l.Anonymous:
		return t("letter.anonymous", nil)
	case l.Identity == nil:
		return t("letter.identity_withheld", nil)
	case l.Identity.IsEmpty():
		return t("letter.identity_none", nil)
	}
	lines := []string{t("letter.identity", nil)}
	for _, f := range []struct{ key, value string }{
		{"letter.name", l.Identity.Name}, {"letter.email", l.Identity.Email},
		{"letter.phone", l.Identity.Phone}, {"letter.address", l.Identity.Address},
	} {
		if f.value != "" {
			lines = append(lines, t(f.key, map[string]any{"Value": f.value}))
		}
	}
	return strings.Join(lines, "\n")
}

func translated[T ~string](t func(string, map[string]any) string, prefix string, codes []T) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = t(prefix+string(c), nil)
	}
	return strings.Join(names, "; ")
}

func orNone(t func(string, map[string]any) string, s string) string {
	if s == "" {
		return t("letter.none", nil)
	}
	return s
}

func agreement(t func(string, map[string]any) string, a *redress.Agreement) string {
	switch {
	case a == nil:
		return ""
	case a.SignedRaw == "":
		return t("model."+string(a.Model), nil)
	}
	return t("letter.agreement_signed", map[string]any{"Model": t("model."+string(a.Model), nil), "Signed": a.SignedRaw})
}

func agency(t func(string, map[string]any) string, l ReferralLetter) string {
	if l.Agency == "" && l.AgencyNamed != "" {
		return t("letter.agency_named", map[string]any{"Agency": l.AgencyNamed})
	}
	return l.Agency
}
