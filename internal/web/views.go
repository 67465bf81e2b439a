package web

import (
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// A view is what one page template is executed with: the page every template shares,
// and the fields of that template alone. TestViewsHoldWhatTemplatesName checks every
// name a template uses against its view.
type view interface {
	// template is the page the view is for (templates/).
	template() string
	hasPage
}

// hasPage is a page or a view: what an error page needs of the page it replaces.
type hasPage interface{ base() *page }

func (p *page) base() *page { return p }

// views are the pages, one of each view; parsePages parses each one's template.
var views = []view{&homePage{}, &complaintPage{}, &receiptPage{}, &statusCheckPage{}, &errorPage{},
	&loginPage{}, &totpPage{}, &resetPage{}, &passwordPage{}, &accountPage{}, &mfaPage{},
	&staffHomePage{}, &complaintsPage{}, &casePage{},
	&adminUsersPage{}, &adminUserPage{}, &adminUnitsPage{}, &adminSettingsPage{}, &adminRoutingPage{},
	&adminOfficesPage{},
	&auditLogPage{}, &auditHistoryPage{}, &verifyPage{}, &verificationPage{}, &exportPage{},
	&registryPage{}, &enterPage{}, &enterReceiptPage{},
	&transparencyPage{},                   // transparency: issue 15, point 5
	&warningsPage{}, &adminWarningsPage{}, // early warning (page_warnings.go)
}

// The early warning and its thresholds (page_warnings.go).
type (
	warningsPage struct {
		*page
		Warnings *warningsView
	}
	adminWarningsPage struct {
		*page
		Form *adminWarningsView
	}
)

func (*warningsPage) template() string      { return "oversight_warnings.html" }
func (*adminWarningsPage) template() string { return "admin_warnings.html" }

// The public pages: the home page, the complaint form and its receipt, the status page,
// and an error.
type (
	homePage      struct{ *page }
	complaintPage struct {
		*page
		Form *complaintForm
	}
	receiptPage struct {
		*page
		Receipt *receiptView
	}
	// statusCheckPage is the status form, and once a receipt is proven the complaint's
	// status, its messages and its forms (page_status.go).
	statusCheckPage struct {
		*page
		Tracking    string
		Status      *statusResponse
		StatusFiles *statusFilesView
	}
	errorPage struct {
		*page
		Message string
	}
)

func (*homePage) template() string        { return "home.html" }
func (*complaintPage) template() string   { return "complaint.html" }
func (*receiptPage) template() string     { return "receipt.html" }
func (*statusCheckPage) template() string { return "status.html" }
func (*errorPage) template() string       { return "error.html" }

// Signing in and one's own account.
type (
	loginPage struct {
		*page
		Next  string
		Email string
	}
	totpPage struct {
		*page
		Next string
	}
	resetPage    struct{ *page }
	passwordPage struct {
		*page
		Token     string
		Action    string
		AskOld    bool
		MinLength int
	}
	accountPage struct{ *page }
	mfaPage     struct {
		*page
		Secret    string
		MustEnrol bool
	}
)

func (*loginPage) template() string    { return "login.html" }
func (*totpPage) template() string     { return "login_totp.html" }
func (*resetPage) template() string    { return "password_reset.html" }
func (*passwordPage) template() string { return "password_set.html" }
func (*accountPage) template() string  { return "account.html" }
func (*mfaPage) template() string      { return "account_mfa.html" }

// Casework: the staff home, the queue and a case.
type (
	staffHomePage struct {
		*page
		Desk *deskView
	}
	complaintsPage struct {
		*page
		Queue *queueView
	}
	casePage struct {
		*page
		Case *caseView
	}
)

// Staff entry of a complaint received by phone, mail or in person (page_enter.go): the
// public form's fields with the complaint's language and channel, then its receipt.
type (
	enterPage struct {
		*page
		Form  *complaintForm
		Entry entryChoices
	}
	enterReceiptPage struct {
		*page
		Receipt *receiptView
		Channel string
		// CaseID links to the case when the officer may open it (routing may have sent
		// it to a unit they do not work in); Letter is nil when the code is not shown.
		CaseID int64
		Letter *letterView
	}
)

func (*enterPage) template() string        { return "staff_enter.html" }
func (*enterReceiptPage) template() string { return "staff_enter_receipt.html" }

func (*staffHomePage) template() string  { return "staff_home.html" }
func (*complaintsPage) template() string { return "staff_complaints.html" }
func (*casePage) template() string       { return "staff_case.html" }

// Administration: accounts and their roles, units and their clocks, settings, routing.
type (
	// adminBase is what the administration pages share: the units (page_admin.go).
	adminBase struct {
		*page
		Units []redress.Unit
	}
	adminUsersPage struct {
		*adminBase
		Users []redress.User
		// Link is a new account's set-password link, shown once.
		Link   string
		Grants []grantView // roles waiting for a second administrator (page_grants.go)
	}
	adminUserPage struct {
		*adminBase
		User   redress.User
		Grants []grantView
	}
	adminUnitsPage struct {
		*adminBase
		UnitClocks []unitClocksView
		// Zones a unit may keep its days in; OfficeZone is the one it keeps otherwise.
		Zones      []string
		OfficeZone string
	}
	adminSettingsPage struct {
		*page
		MFARoles []option
	}
	adminRoutingPage struct {
		*adminBase
		Rules      []workflow.Rule
		Categories []redress.Category
		Models     []redress.Model
		Functions  []redress.Function
	}
	// adminOfficesPage is the directory of offices referral letters go to
	// (page_offices.go); Form is what was last sent, shown again when refused.
	adminOfficesPage struct {
		*page
		Offices    []redress.Office
		Recipients []string
		Form       officeForm
	}
)

// Roles are the roles the forms of the account pages offer (partials.html).
func (*adminUsersPage) Roles() []redress.Role { return redress.StaffRoles }
func (*adminUserPage) Roles() []redress.Role  { return redress.StaffRoles }

func (*adminUsersPage) template() string    { return "admin_users.html" }
func (*adminUserPage) template() string     { return "admin_user.html" }
func (*adminUnitsPage) template() string    { return "admin_units.html" }
func (*adminSettingsPage) template() string { return "admin_settings.html" }
func (*adminRoutingPage) template() string  { return "admin_routing.html" }
func (*adminOfficesPage) template() string  { return "admin_offices.html" }

// Oversight: the audit log, a complaint's history, verification and export
// (page_oversight.go, page_verify.go, page_export.go).
type (
	// oversightBase is what the oversight pages with a form share: the audit key.
	oversightBase struct {
		*page
		AuditKey *auditKeyView
	}
	auditLogPage struct {
		*oversightBase
		AuditLog *auditLogView
	}
	auditHistoryPage struct {
		*page
		AuditHistory *auditHistoryView
	}
	verifyPage struct {
		*oversightBase
		Verify *verifyView
	}
	verificationPage struct {
		*page
		Verification *verificationView
	}
	exportPage struct {
		*oversightBase
		Export *exportView
	}
)

func (*auditLogPage) template() string     { return "oversight_audit.html" }
func (*auditHistoryPage) template() string { return "oversight_history.html" }
func (*verifyPage) template() string       { return "oversight_verify.html" }
func (*verificationPage) template() string { return "oversight_verification.html" }
func (*exportPage) template() string       { return "oversight_export.html" }

// registryPage is the MOA registry's history for staff (page_registry.go).
type registryPage struct {
	*page
	Registry *registryView
}

func (*registryPage) template() string { return "staff_registry.html" }
