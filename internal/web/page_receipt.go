package web

import (
	"net/http"
	"strings"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

// The receipt: the complaint's tracking number and receipt code, shown once, which the
// person writes down, photographs or prints (app.css @media print).

func (s *Server) renderReceipt(w http.ResponseWriter, r *http.Request, p *page, f *complaintForm, filed intake.Filed, status int) {
	p.Switch = nil // switching language here would lose the receipt, shown only once
	receipt := &receiptView{
		TrackingNumber: filed.Complaint.TrackingNumber, ReceiptCode: filed.ReceiptCode,
		ReceivedOn: p.D(redress.DateOf(filed.Complaint.ReceivedAt)), Emailed: filed.Emailed,
		Again: filed.Replayed, DateRead: f.DateRead, CheckURL: s.statusURL(r),
	}
	// Anonymous with contact details typed: they were dropped (Normalize), and the
	// person is told so rather than left waiting for an email.
	if f.Anonymous && !filed.Emailed {
		for _, c := range f.ContactFields {
			receipt.ContactDropped = receipt.ContactDropped || strings.TrimSpace(c.Value) != ""
		}
	}
	s.render(w, r, status, &receiptPage{page: p, Receipt: receipt})
}

// Groups splits a code after each dash, so that it can break, if ever it must (a large
// text size), only there: each group is kept whole (app.css .grp).
func (v *receiptView) Groups(code string) []string { return strings.SplitAfter(code, "-") }

type receiptView struct {
	TrackingNumber, ReceiptCode, ReceivedOn string
	Emailed                                 bool
	// Again says the form was sent before and nothing new was filed. ReceiptCode is
	// empty when what was sent again differs from what was filed.
	Again bool
	// ContactDropped says contact details were typed with "file anonymously": they
	// were not kept and no email will come.
	ContactDropped bool
	// DateRead says how a date typed as 03/01/2025 was read.
	DateRead string
	// CheckURL is where to check the complaint, printed with the codes.
	CheckURL string
}
