package web

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/redress-oversight/redress/internal/redress"
)

// A long list's count (the queue's, the audit log's) stops a little past
// redress.CountCap, so a million complaints cost no more to count than a thousand
// (docs/performance.md): past the cap a page says "more than" it, and pages on while a
// page is full.

// listCount is how a page of a list shows its count and its pages.
type listCount struct {
	// Total is the number of rows, or with More the cap they pass.
	Total int
	More  bool
	Page  int
	// Pages is how many pages there are; 0 with More (not known).
	Pages int
	// Next says whether a page follows this one.
	Next bool
}

// countList reads counted, a store count of a list shown page by page (counted up to
// one past redress.CountCap of the page).
func countList(counted, page, perPage int) listCount {
	offset := (page - 1) * perPage
	c := listCount{Total: counted, Page: page, Next: counted > offset+perPage}
	if lim := redress.CountCap(offset, perPage); counted > lim {
		c.Total, c.More = lim, true
		return c
	}
	c.Pages = max(1, (counted+perPage-1)/perPage)
	return c
}

// N writes a whole number as the page's language groups its digits: 1,000 or 1.000.
func (p *page) N(n int) string {
	tag := language.English
	if p.Lang == "es" {
		tag = language.Spanish
	}
	return message.NewPrinter(tag).Sprintf("%d", n)
}
