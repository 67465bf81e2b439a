package redress_test

import (
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// BenchmarkValidateComplaint: normalizing and checking one public filing of a usual size.
//
//	go test -run '^$' -bench Validate ./internal/redress/
func BenchmarkValidateComplaint(b *testing.B) {
	yes := true
	today := redress.Date{Year: 2026, Month: 12, Day: 3}
	for b.Loop() {
		in := redress.ComplaintInput{
			Language: "es", IncidentDate: "2026-11-20", State: "TX", County: "Harris", Place: "la cárcel del condado",
			Functions: []redress.Function{"detainer", "interview"}, Categories: []redress.Category{"held_past_release", "no_interpreter"},
			Narrative: strings.Repeat("Me tuvieron en la cárcel dos días después de la fecha de salida. ", 12),
			Officers:  "Oficial Ruiz, placa 4471", Filer: "self", Custody: redress.Custody{InCustody: &yes},
			Contact: redress.Contact{Email: "persona@example.org"},
		}
		in.Normalize()
		if fe := in.Validate([]string{"en", "es"}, today); len(fe) != 0 {
			b.Fatal(fe)
		}
	}
}
