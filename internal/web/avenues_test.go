package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A closed case's "what you can do now" names the offices outside ours for the
// complaint's state and agreement, in the page's language, with their contacts: CRCL,
// the OIG hotline, ICE's OPR only under a 287(g) agreement, the state's attorney
// general, legal aid; the API gives the same list.
func TestOutcomeNamesOutsideAvenues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		cat := mustCatalog(t)
		close := func(cid int64) {
			s.caseStep("intake", cid, "/transition", url.Values{"transition": {"close_administratively"},
				"disposition": {"outside_jurisdiction"}, "reason": {"Not ours"}})
		}
		// Filed in Texas with no agency: no agreement.
		cid, tracking, receipt := s.filed()
		// Filed against Harris County (TX), which has a JEM agreement.
		in := validComplaint(s.agency.ID)
		got := decode[created](t, s.postJSON("/api/v1/complaints", in))
		rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			cid               int64
			tracking, receipt string
			agreement         bool
		}{{cid, tracking, receipt, false}, {rr.ComplaintID, got.TrackingNumber, got.ReceiptCode, true}} {
			close(c.cid)
			for _, lang := range []string{"en", "es"} {
				page := s.statusPage(c.tracking, c.receipt, lang)
				for _, want := range []string{
					"https://www.dhs.gov/file-civil-rights-complaint", "https://www.oig.dhs.gov/hotline",
					"https://www.texasattorneygeneral.gov/", "https://www.immigrationadvocates.org/legaldirectory/",
				} {
					if !strings.Contains(page, `href="`+want+`"`) {
						t.Errorf("%s: no link to %s", lang, want)
					}
				}
				for _, k := range []string{"outcome.avenues_title", "avenue.dhs_crcl.name", "avenue.dhs_oig.name", "avenue.legal_aid.name"} {
					if !has(page, cat, lang, k) {
						t.Errorf("%s: page lacks %s", lang, k)
					}
				}
				if !has(page, cat, lang, "avenue.state_ag.name", "State", "Texas") || has(page, cat, lang, "avenue.state_ag.generic_name") {
					t.Errorf("%s: the state's attorney general is not named", lang)
				}
				if !has(page, cat, lang, "avenue.phone", "Phone", "1-800-323-8603") {
					t.Errorf("%s: no OIG hotline number", lang)
				}
				if opr := strings.Contains(page, "https://www.ice.gov/about-ice/opr"); opr != c.agreement || opr != has(page, cat, lang, "avenue.ice_opr.what") {
					t.Errorf("%s: ICE OPR shown %v, complaint under an agreement %v", lang, opr, c.agreement)
				}
				st := s.apiStatus(c.tracking, c.receipt, lang)
				if st.Outcome == nil || len(st.Outcome.Avenues) < 4 || st.Outcome.Avenues[0].Name != cat.T(lang, "avenue.dhs_crcl.name", nil) {
					t.Errorf("%s: API outcome avenues %+v", lang, st.Outcome)
				}
			}
		}
		// An open case shows none.
		_, tracking, receipt = s.filed()
		if page := s.statusPage(tracking, receipt, "en"); strings.Contains(page, "file-civil-rights-complaint") {
			t.Error("an open case lists outside avenues")
		}
	})
}
