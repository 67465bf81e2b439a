package redress_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// rules is the field:rule pairs err names, in order; nil when err is nil.
func rules(err error) []string {
	var out []string
	for _, f := range redress.FieldsOf(err) {
		out = append(out, f.Field+":"+f.Rule)
	}
	return out
}

func TestSearchFilterValidate(t *testing.T) {
	day := func(s string) redress.Date { d, _ := redress.ParseDate(s); return d }
	for _, c := range []struct {
		name string
		f    redress.SearchFilter
		want []string
	}{
		{"empty", redress.SearchFilter{}, nil},
		{"good", redress.SearchFilter{Text: "inglés", Officer: "Ruiz", Tracking: "rx 7k4m 2q9d", Status: "triaged",
			Unit: "tx-south", Model: "TFM", Category: "retaliation", Function: "notice_to_appear", Custody: "detainer", AgencyID: 3, AssigneeID: 4,
			ReceivedFrom: day("2025-01-01"), ReceivedTo: day("2025-01-01")}, nil},
		{"text too long", redress.SearchFilter{Text: strings.Repeat("é", redress.MaxSearchText+1)}, []string{"q:too_long"}},
		{"officer not UTF-8", redress.SearchFilter{Officer: "\xff"}, []string{"officer:invalid_text"}},
		{"tracking", redress.SearchFilter{Tracking: "RX-7K4M"}, []string{"tracking:tracking_number"}},
		{"status", redress.SearchFilter{Status: "lost"}, []string{"status:one_of"}},
		{"every unit is not a unit", redress.SearchFilter{Unit: redress.AllUnits}, []string{"unit:unit_name"}},
		{"model", redress.SearchFilter{Model: "XYZ"}, []string{"model:one_of"}},
		{"category", redress.SearchFilter{Category: "nope"}, []string{"category:unknown_code"}},
		{"function", redress.SearchFilter{Function: "arrest"}, []string{"function:unknown_code"}},
		{"custody", redress.SearchFilter{Custody: "yes"}, []string{"custody:one_of"}},
		{"assignee and unassigned", redress.SearchFilter{AssigneeID: 4, Unassigned: true}, []string{"assignee:assignee"}},
		{"dates reversed", redress.SearchFilter{ReceivedFrom: day("2025-02-01"), ReceivedTo: day("2025-01-31")}, []string{"to:date_order"}},
		{"several, in order", redress.SearchFilter{Officer: "\xff", Status: "lost", Category: "nope"},
			[]string{"officer:invalid_text", "status:one_of", "category:unknown_code"}},
	} {
		if got := rules(c.f.Validate()); !slices.Equal(got, c.want) {
			t.Errorf("%s: Validate names %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAuditFilterValidate(t *testing.T) {
	t0 := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    redress.AuditFilter
		want []string
	}{
		{"empty", redress.AuditFilter{}, nil},
		{"good", redress.AuditFilter{ComplaintID: 1, Actor: "user:7", Action: "complaint.*", From: t0, To: t0.Add(time.Hour)}, nil},
		{"action", redress.AuditFilter{Action: "Complaint Filed"}, []string{"action:action_name"}},
		{"actor too long", redress.AuditFilter{Actor: strings.Repeat("a", redress.MaxActorLength+1)}, []string{"actor:too_long"}},
		{"empty range", redress.AuditFilter{From: t0, To: t0}, []string{"to:date_order"}},
		{"negative id", redress.AuditFilter{UptoID: -1}, []string{"upto:id"}},
	} {
		if got := rules(c.f.Validate()); !slices.Equal(got, c.want) {
			t.Errorf("%s: Validate names %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAgreementFilterValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		f    redress.AgreementFilter
		want []string
	}{
		{"empty", redress.AgreementFilter{}, nil},
		{"good", redress.AgreementFilter{State: "FL", Model: redress.ModelTFM, Status: redress.StatusActive}, nil},
		{"bad", redress.AgreementFilter{State: "Atlantis", Model: "XYZ", Status: "gone"},
			[]string{"state:state", "model:one_of", "status:one_of"}},
	} {
		if got := rules(c.f.Validate()); !slices.Equal(got, c.want) {
			t.Errorf("%s: Validate names %v, want %v", c.name, got, c.want)
		}
	}
}
