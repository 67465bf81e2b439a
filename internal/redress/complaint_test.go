package redress_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

var today = redress.Date{Year: 2025, Month: 8, Day: 1}

func validInput() redress.ComplaintInput {
	return redress.ComplaintInput{
		Language: "es", IncidentDate: "2025-07-20", State: "TX",
		Categories: []redress.Category{"held_past_release"},
		Narrative:  "Me detuvieron dos días después de que el juez ordenó mi liberación.",
		Filer:      "relative",
	}
}

func TestValidate(t *testing.T) {
	tru := true
	for _, tc := range []struct {
		name  string
		edit  func(*redress.ComplaintInput)
		field string // "" = valid
		rule  string
	}{
		{"OK", func(in *redress.ComplaintInput) {}, "", ""},
		{"OKAgencyWithoutState", func(in *redress.ComplaintInput) { in.State = ""; in.AgencyID = 7 }, "", ""},
		{"OKStateByName", func(in *redress.ComplaintInput) { in.State = "new hampshire" }, "", ""},
		{"OKToday", func(in *redress.ComplaintInput) { in.IncidentDate = "2025-08-01" }, "", ""},
		{"OKHTMLKeptAsText", func(in *redress.ComplaintInput) {
			in.Narrative = "<script>alert(1)</script>'; DROP TABLE complaints;--"
		}, "", ""},
		{"OKCustody", func(in *redress.ComplaintInput) { in.Custody.InCustody = &tru }, "", ""},
		{"ErrLanguage", func(in *redress.ComplaintInput) { in.Language = "fr" }, "language", "one_of"},
		{"ErrDateRequired", func(in *redress.ComplaintInput) { in.IncidentDate = "" }, "incident_date", "required"},
		{"ErrDateFormat", func(in *redress.ComplaintInput) { in.IncidentDate = "7/20/2025" }, "incident_date", "date"},
		{"ErrDateImpossible", func(in *redress.ComplaintInput) { in.IncidentDate = "2025-02-30" }, "incident_date", "date"},
		{"ErrDateFuture", func(in *redress.ComplaintInput) { in.IncidentDate = "2025-08-02" }, "incident_date", "future"},
		{"ErrDateBefore1996", func(in *redress.ComplaintInput) { in.IncidentDate = "1995-12-31" }, "incident_date", "before_287g"},
		{"ErrStateRequired", func(in *redress.ComplaintInput) { in.State = "" }, "state", "required"},
		{"ErrStateUnknown", func(in *redress.ComplaintInput) { in.State = "Atlantis" }, "state", "state"},
		{"ErrNarrativeRequired", func(in *redress.ComplaintInput) { in.Narrative = "   " }, "narrative", "required"},
		{"ErrNarrativeTooLong", func(in *redress.ComplaintInput) { in.Narrative = strings.Repeat("é", redress.MaxNarrative+1) }, "narrative", "too_long"},
		{"ErrCategoriesRequired", func(in *redress.ComplaintInput) { in.Categories = nil }, "categories", "required_one"},
		{"ErrCategoryUnknown", func(in *redress.ComplaintInput) { in.Categories = []redress.Category{"immigration_status"} }, "categories", "unknown_code"},
		{"ErrCategoryTwice", func(in *redress.ComplaintInput) { in.Categories = []redress.Category{"force", "force"} }, "categories", "duplicate"},
		{"ErrTooManyFunctions", func(in *redress.ComplaintInput) {
			for range redress.MaxListItems + 1 {
				in.Functions = append(in.Functions, "interview")
			}
		}, "functions", "too_many"},
		{"ErrFunctionUnknown", func(in *redress.ComplaintInput) { in.Functions = []redress.Function{"deport"} }, "functions", "unknown_code"},
		{"ErrFilerRequired", func(in *redress.ComplaintInput) { in.Filer = "" }, "filer", "required"},
		{"ErrFilerUnknown", func(in *redress.ComplaintInput) { in.Filer = "neighbour" }, "filer", "one_of"},
		{"ErrConsentUnknown", func(in *redress.ComplaintInput) { in.Consent = []redress.Recipient{"ice_ero"} }, "consent_to_share_identity", "unknown_code"},
		{"ErrEmail", func(in *redress.ComplaintInput) { in.Contact.Email = "maria at example" }, "contact.email", "email"},
		{"ErrEmailWithName", func(in *redress.ComplaintInput) { in.Contact.Email = "Maria <m@example.org>" }, "contact.email", "email"},
		{"ErrPhone", func(in *redress.ComplaintInput) { in.Contact.Phone = "call me" }, "contact.phone", "phone"},
		{"ErrInvalidUTF8", func(in *redress.ComplaintInput) { in.Officers = "Deputy \xff" }, "officers", "invalid_text"},
		{"ErrNUL", func(in *redress.ComplaintInput) { in.Place = "Jail\x00" }, "place", "invalid_text"},
		{"ErrAgencyNegative", func(in *redress.ComplaintInput) { in.AgencyID = -1 }, "agency_id", "unknown_agency"},
		{"ErrCountyTooLong", func(in *redress.ComplaintInput) { in.County = strings.Repeat("x", 301) }, "county", "too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.edit(&in)
			in.Normalize()
			fe := in.Validate([]string{"en", "es"}, today)
			if tc.field == "" {
				if len(fe) != 0 {
					t.Fatalf("want valid, got %v", fe)
				}
				return
			}
			if len(fe) != 1 || fe[0].Field != tc.field || fe[0].Rule != tc.rule {
				t.Fatalf("got %v, want exactly %s/%s", fe, tc.field, tc.rule)
			}
		})
	}
}

func TestNormalizeAnonymousDropsIdentity(t *testing.T) {
	in := validInput()
	in.Anonymous = true
	in.Contact = redress.Contact{Name: "María", Email: "maria@example.org"}
	in.Consent = []redress.Recipient{"dhs_oig"}
	in.Normalize()
	if !in.Contact.IsEmpty() || in.Consent != nil {
		t.Fatalf("anonymous input kept identity: %+v %v", in.Contact, in.Consent)
	}
}

func date(s string) redress.Date {
	d, err := redress.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestAttributeAgreement(t *testing.T) {
	jem := redress.Agreement{ID: 1, Model: redress.ModelJEM, Status: redress.StatusActive, SignedOn: date("2020-01-10"), LastSeen: date("2025-07-18")}
	wso := redress.Agreement{ID: 2, Model: redress.ModelWSO, Status: redress.StatusActive, SignedOn: date("2025-03-01"), LastSeen: date("2025-07-18")}
	tfm := redress.Agreement{ID: 3, Model: redress.ModelTFM, Status: redress.StatusActive, SignedOn: date("2025-05-08"), LastSeen: date("2025-07-18")}
	dropped := redress.Agreement{ID: 4, Model: redress.ModelWSO, Status: redress.StatusNoLongerListed, SignedOn: date("2019-01-01"), LastSeen: date("2025-06-17")}
	pending := redress.Agreement{ID: 5, Model: redress.ModelTFM, Status: redress.StatusPending, FirstSeen: date("2025-07-18"), LastSeen: date("2025-07-18")}
	unreadable := redress.Agreement{ID: 6, Model: redress.ModelWSO, Status: redress.StatusActive, SignedRaw: "7/72025", LastSeen: date("2025-07-18")}
	// Tooele County, Utah, as ICE published it: TFM signed 07-02-25, WSO signed "7/72025".
	tooeleTFM := redress.Agreement{ID: 7, Model: redress.ModelTFM, Status: redress.StatusActive, SignedRaw: "07-02-25", SignedOn: date("2025-07-02"), LastSeen: date("2025-07-18")}
	goneUnreadable := redress.Agreement{ID: 8, Model: redress.ModelWSO, Status: redress.StatusNoLongerListed, SignedRaw: "7/72025", LastSeen: date("2025-06-17")}

	for _, tc := range []struct {
		name       string
		ags        []redress.Agreement
		day        string
		fns        []redress.Function
		wantID     int64
		wantReason string
		wantCands  []int64
	}{
		{"OnlyOneInForce", []redress.Agreement{jem, wso}, "2024-12-01", nil, 1, "", nil},
		{"SeveralNoFunctionIsAmbiguous", []redress.Agreement{jem, wso, tfm}, "2025-07-01", nil, 0, redress.AttributionSeveral, []int64{1, 2, 3}},
		{"FieldArrestMeansTFM", []redress.Agreement{jem, wso, tfm}, "2025-07-01", []redress.Function{"field_arrest"}, 3, "", nil},
		{"FieldArrestBeforeTFMSigned", []redress.Agreement{jem, wso, tfm}, "2025-05-07", []redress.Function{"field_arrest"}, 0, redress.AttributionNoneFits, nil},
		{"DetainerJEMOrWSOAmbiguous", []redress.Agreement{jem, wso, tfm}, "2025-07-01", []redress.Function{"detainer"}, 0, redress.AttributionSeveral, []int64{1, 2}},
		{"DetainerAndNTAMeansJEM", []redress.Agreement{jem, wso, tfm}, "2025-07-01", []redress.Function{"detainer", "notice_to_appear"}, 1, "", nil},
		{"DroppedStillCoversItsPast", []redress.Agreement{dropped}, "2025-06-01", nil, 4, "", nil},
		{"DroppedNotAfterLastSeen", []redress.Agreement{dropped}, "2025-07-01", nil, 0, redress.AttributionNoneFits, nil},
		{"PendingNeverInForce", []redress.Agreement{pending}, "2025-07-30", nil, 0, redress.AttributionNoneFits, nil},
		{"UnreadableSignedNeverGuessed", []redress.Agreement{unreadable}, "2025-07-30", nil, 0, redress.AttributionUnreadable, []int64{6}},
		{"TooeleUnreadableMakesItAmbiguous", []redress.Agreement{tooeleTFM, unreadable}, "2025-11-01", nil, 0, redress.AttributionUnreadable, []int64{7, 6}},
		{"UnreadableRuledOutByFunction", []redress.Agreement{tooeleTFM, unreadable}, "2025-11-01", []redress.Function{"field_arrest"}, 7, "", nil},
		{"UnreadableNoLongerListedBeforeTheDay", []redress.Agreement{tooeleTFM, goneUnreadable}, "2025-11-01", nil, 7, "", nil},
		{"NoAgreements", nil, "2025-07-30", nil, 0, redress.AttributionNoneFits, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := redress.AttributeAgreement(tc.ags, date(tc.day), tc.fns)
			var id int64
			if got.Agreement != nil {
				id = got.Agreement.ID
			}
			if id != tc.wantID || got.Reason != tc.wantReason || !slices.Equal(got.Candidates, tc.wantCands) {
				t.Fatalf("got agreement %d, reason %q, candidates %v; want %d, %q, %v",
					id, got.Reason, got.Candidates, tc.wantID, tc.wantReason, tc.wantCands)
			}
		})
	}
}

func TestTrackingNumbers(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := redress.NewTrackingNumber()
		if len(n) != 12 || !strings.HasPrefix(n, "RX-") || n[7] != '-' {
			t.Fatalf("bad tracking number %q", n)
		}
		if redress.NormalizeTrackingNumber(n) != n {
			t.Fatalf("normalize(%q) = %q", n, redress.NormalizeTrackingNumber(n))
		}
		if seen[n] {
			t.Fatalf("repeat %q in 1000 draws", n)
		}
		seen[n] = true
	}
	for in, want := range map[string]string{
		"rx-7k4m-2q9d":   "RX-7K4M-2Q9D",
		" RX 7K4M 2Q9D ": "RX-7K4M-2Q9D",
		"7K4M2Q9D":       "RX-7K4M-2Q9D",
		"RX-7K4M-2QOD":   "RX-7K4M-2Q0D", // O read as zero
		"RX-IK4M-2Q9D":   "RX-1K4M-2Q9D", // I read as one
		"RX-7K4M-2Q9":    "",
		"RX-7K4M-2Q9U":   "", // U is not in the alphabet
		"":               "",
	} {
		if got := redress.NormalizeTrackingNumber(in); got != want {
			t.Errorf("NormalizeTrackingNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReceiptCodes(t *testing.T) {
	code := redress.NewReceiptCode()
	if len(code) != 23 {
		t.Fatalf("receipt code %q: want 20 symbols in 4 groups", code)
	}
	h := redress.HashReceiptCode(code)
	if !redress.ReceiptMatches(code, h) {
		t.Fatal("code does not match its own hash")
	}
	if !redress.ReceiptMatches(strings.ToLower(strings.ReplaceAll(code, "-", " ")), h) {
		t.Fatal("code typed in lower case with spaces does not match")
	}
	if redress.ReceiptMatches(redress.NewReceiptCode(), h) {
		t.Fatal("another code matches")
	}
	if strings.Contains(string(h), code) {
		t.Fatal("hash contains the code")
	}
}

func TestCustodyAnswer(t *testing.T) {
	yes, no := true, false
	c := redress.Custody{InCustody: &yes, DetainerIssued: &no}
	for fact, want := range map[string]bool{"in_custody": true, "detainer": false, "held_past_release": false, "on_parole": false} {
		if got := c.Says(fact); got != want {
			t.Errorf("Says(%q) = %v, want %v", fact, got, want)
		}
	}
	if c.Answer("detainer") == nil || c.Answer("held_past_release") != nil || c.Answer("on_parole") != nil {
		t.Error("Answer does not tell no from not answered")
	}
}
