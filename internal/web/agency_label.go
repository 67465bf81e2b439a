package web

import "strings"

// ICE's sheets leave some agency names as a spreadsheet placeholder ("(#NA)", "#N/A").
// The stored name stays as ICE published it; pages show a plain phrase instead.
var agencyPlaceholders = map[string]bool{"#NA": true, "#N/A": true, "NA": true, "N/A": true}

// agencyLabel is an agency's name as a page shows it.
func agencyLabel(t translator, name string) string {
	bare := strings.ToUpper(strings.Trim(strings.TrimSpace(name), "() "))
	if agencyPlaceholders[bare] {
		return t.T("agency.name_unpublished")
	}
	return name
}

// AgencyLabel lets templates show an agency's name (agencyLabel).
func (p *page) AgencyLabel(name string) string { return agencyLabel(p, name) }
