package redress

// The public transparency report counts complaints and allegations by quarter received
// and by facts that name no one: the agency's state (or the complaint's, when no agency
// of the registry is named), the registry's agency, the agreement's model, the
// allegation's category and finding. Never free text (agency_other, place, narrative),
// never a day.

// ComplaintTally is how many complaints of one kind were received in one quarter.
type ComplaintTally struct {
	Quarter    int    // index of the quarter among those asked for
	State      string // the agency's state, else the complaint's; "" when neither
	AgencyID   int64  // 0: no agency of the registry named
	AgencyName string // the registry's name for it
	Model      Model  // the agreement's model; "" when tied to none
	N          int
}

// AllegationTally is how many allegations of one category, received in one quarter,
// ended in one finding. Closed is false while the case is open: a finding proposed and
// not yet approved is not published.
type AllegationTally struct {
	Quarter  int
	Category Category
	Closed   bool
	Finding  string // "" when closed without one
	N        int
}
