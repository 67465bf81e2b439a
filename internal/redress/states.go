package redress

import "strings"

// States lists the U.S. states, the District of Columbia and the territories by their
// USPS code. ICE's sheets spell states out in capitals; we store the code.
var States = []struct{ Code, Name string }{
	{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
	{"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
	{"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
	{"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"},
	{"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"}, {"MD", "Maryland"},
	{"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"},
	{"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
	{"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
	{"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"},
	{"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"},
	{"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"},
	{"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"},
	{"WI", "Wisconsin"}, {"WY", "Wyoming"}, {"AS", "American Samoa"}, {"GU", "Guam"},
	{"MP", "Northern Mariana Islands"}, {"PR", "Puerto Rico"}, {"VI", "U.S. Virgin Islands"},
}

// StateCode returns the USPS code for a state given by code or by name, in any case.
func StateCode(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, st := range States {
		if strings.EqualFold(s, st.Code) || strings.EqualFold(s, st.Name) {
			return st.Code, true
		}
	}
	return "", false
}

// StateName returns the name of a state code, or the code itself when unknown.
func StateName(code string) string {
	for _, st := range States {
		if st.Code == code {
			return st.Name
		}
	}
	return code
}
