package redress

import (
	"slices"
	"strings"
	"time"
)

// Role is what a staff member may do, held in a review unit. What each role may do is
// written in policies/policy.csv and decided by Casbin, never by comparing role names in
// code.
type Role string

const (
	RoleIntake        Role = "intake_officer"
	RoleInvestigator  Role = "investigator"
	RoleSupervisor    Role = "supervisor"
	RoleAuditor       Role = "oversight_auditor"
	RoleAdministrator Role = "administrator"
)

// StaffRoles are the roles an account can hold, in the order pages list them.
var StaffRoles = []Role{RoleIntake, RoleInvestigator, RoleSupervisor, RoleAuditor, RoleAdministrator}

// Pseudo-subjects for requests without an account: everyone is "public"; whoever holds a
// tracking number and its receipt code is also "receipt_holder".
const (
	SubjectPublic        = "public"
	SubjectReceiptHolder = "receipt_holder"
)

// AllUnits, as a unit in a role assignment, covers every unit.
const AllUnits = "*"

// Unit is a review unit: a domain in which roles are held. It covers a set of states or
// agencies; a complaint belongs to the first unit (by name) that covers its agency or,
// failing that, its state.
type Unit struct {
	ID        int64
	Name      string // short, used in role assignments: "tx", "south-florida"
	Title     string
	States    []string
	AgencyIDs []int64
	// TimeZone is the unit's own zone (one of UnitZones), where units span zones: its
	// clocks count business days in it and staff see its cases' dates in it. Empty:
	// the office's zone (the clock file's location).
	TimeZone string
}

// UnitZones are the zones a unit may keep its days in: those of the states and
// territories 287(g) agreements are signed in.
var UnitZones = []string{"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
	"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Pacific/Guam"}

// CoversAgency reports whether the unit names the agency.
func (u Unit) CoversAgency(agencyID int64) bool {
	return agencyID != 0 && slices.Contains(u.AgencyIDs, agencyID)
}

// CoversState reports whether the unit covers the state.
func (u Unit) CoversState(state string) bool { return state != "" && slices.Contains(u.States, state) }

// UnitFor picks the unit a complaint belongs to: a unit naming its agency first, then one
// covering its state; "" when none does (only holders of "*" see it then). units must be
// in name order so the choice is stable.
func UnitFor(units []Unit, agencyID int64, state string) string {
	for _, u := range units {
		if u.CoversAgency(agencyID) {
			return u.Name
		}
	}
	for _, u := range units {
		if u.CoversState(state) {
			return u.Name
		}
	}
	return ""
}

// User is a staff account. Its password hash and second-factor secret never leave the
// store and auth packages.
type User struct {
	ID          int64
	Email       string
	Name        string
	Disabled    bool
	HasPassword bool
	MFAEnrolled bool
	LockedUntil time.Time
	CreatedAt   time.Time
	Roles       []RoleAssignment
}

// RoleAssignment grants a role in a unit (or AllUnits).
type RoleAssignment struct {
	Role Role
	Unit string
}

// RoleGrant is a role in a unit that one administrator asked to give an account and that
// takes effect only when a second administrator approves it (docs/roles.md).
type RoleGrant struct {
	ID        int64
	UserID    int64
	UserEmail string
	// UserHasPassword is false while the account's set-password link is unused: the
	// administrator who created it holds that link, so approving a role for it gives
	// the role to whoever holds the link.
	UserHasPassword bool
	Role            Role
	Unit            string
	RequestedBy     int64
	// RequestedByEmail names the requester on the pages where another administrator
	// decides.
	RequestedByEmail string
	RequestedAt      time.Time
	State            string // GrantPending, GrantApproved, GrantRejected, GrantWithdrawn
	DecidedBy        int64
	DecidedAt        time.Time
}

// States of a RoleGrant.
const (
	GrantPending   = "pending"
	GrantApproved  = "approved"
	GrantRejected  = "rejected"  // by another administrator
	GrantWithdrawn = "withdrawn" // by the administrator who asked
)

// NormalizeEmail is how staff email addresses are compared and stored.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidUnitName accepts short lower-case names: letters, digits and dashes.
func ValidUnitName(s string) bool {
	if s == AllUnits {
		return true
	}
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Mail kinds of accounts.
const (
	MailPasswordReset = "auth.password_reset"
)

// ErrSignInCodeUsed means a second-factor code was right but already used (or an older
// one was), so it cannot sign anyone in again.
var ErrSignInCodeUsed = &Error{Code: EUNAUTHORIZED, Key: "error.totp_code",
	Message: "The code is not right. Wait for the next code and try again."}

// ErrPasswordLinkUsed is returned for a password link that does not exist, was used, or
// ran out (ENOTFOUND: there is no usable link by that token).
var ErrPasswordLinkUsed = &Error{Code: ENOTFOUND, Key: "error.link_invalid",
	Message: "This link has expired or was already used. Ask for a new one."}

// ErrLockedMeanwhile refuses a right password or code whose attempt was overtaken by
// others that locked the account while it was being checked.
var ErrLockedMeanwhile = &Error{Code: EFORBIDDEN, Key: "error.login_locked",
	Message: "Too many failed attempts. Sign-in is paused for a while; please try again later."}

// Refusals of the rules for granting roles. Their keys name catalog messages.
var (
	ErrOwnAccount = &Error{Code: EFORBIDDEN, Key: "error.role_own_account",
		Message: "Nobody changes the roles of their own account: ask another administrator."}
	ErrOwnRequest = &Error{Code: EFORBIDDEN, Key: "error.grant_own_request",
		Message: "A role you asked for is approved by another administrator, not by you."}
	ErrNotApprover = &Error{Code: EFORBIDDEN, Key: "error.grant_not_admin",
		Message: "Only an enabled administrator approves a role."}
	ErrGrantDecided = &Error{Code: ECONFLICT, Key: "error.grant_decided",
		Message: "This request was already approved, rejected or withdrawn."}
)
