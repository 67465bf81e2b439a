package i18n_test

import (
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
)

// The refusals users read are defined in internal/redress with the catalog key of their message: each
// key must name a message in every catalog, or a user would read the key itself.
func TestErrorValuesHaveCatalogKeys(t *testing.T) {
	refusals := map[string]*redress.Error{
		"ErrStaleStatus": redress.ErrStaleStatus, "ErrEvidenceLimit": redress.ErrEvidenceLimit,
		"ErrEvidenceTooLarge": redress.ErrEvidenceTooLarge, "ErrEvidenceType": redress.ErrEvidenceType,
		"ErrEvidenceEmpty": redress.ErrEvidenceEmpty, "ErrSignInCodeUsed": redress.ErrSignInCodeUsed,
		"ErrPasswordLinkUsed": redress.ErrPasswordLinkUsed, "ErrLockedMeanwhile": redress.ErrLockedMeanwhile,
		"ErrOwnAccount": redress.ErrOwnAccount, "ErrOwnRequest": redress.ErrOwnRequest,
		"ErrNotApprover": redress.ErrNotApprover, "ErrGrantDecided": redress.ErrGrantDecided,
		"ErrReassign": redress.ErrReassign, "ErrResultsReported": redress.ErrResultsReported,
		"ErrNoResultsDue": redress.ErrNoResultsDue,
	}
	for _, lang := range []string{"en", "es"} {
		keys, err := i18n.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range refusals {
			if e.Key == "" || e.Message == "" || !slices.Contains(keys, e.Key) {
				t.Errorf("%s: key %q (message %q) is not in the %s catalog", name, e.Key, e.Message, lang)
			}
		}
	}
}

// TestActionsHaveWords: every audit action has words in every catalog
// ("audit.action.<action>"), so the case history and the audit log never show a code.
func TestActionsHaveWords(t *testing.T) {
	for _, lang := range []string{"en", "es"} {
		keys, err := i18n.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range redress.Actions {
			if !slices.Contains(keys, "audit.action."+a) {
				t.Errorf("%s: no words for the audit action %s (audit.action.%s)", lang, a, a)
			}
		}
	}
}
