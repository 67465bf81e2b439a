package redress

import (
	"slices"
	"strconv"
	"testing"
)

func TestOfficerKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"Oficial Ruiz, placa 4471", []string{"b:4471"}},
		{"Deputy J. Smith #221", []string{"b:221"}},
		{"DEPUTY SMITH", []string{"n:smith"}},
		{"Sgt. Martínez #628", []string{"b:628"}},
		{"sargento MARTINEZ, placa #0628", []string{"b:628"}},
		{"Agente Muñoz no. 17", []string{"b:17"}}, {"Agente Muñoz", []string{"n:munoz"}},
		{"Officer Lee badge number 55", []string{"b:55"}},
		{"Teniente Ibáñez (placa: 903)", []string{"b:903"}}, {"Teniente IBÁÑEZ", []string{"n:ibanez"}},
		{"Deputy Smith, Deputy Jones", []string{"n:smith", "n:jones"}},
		{"Ofc. Brown and Ofc. Green; badge 12", []string{"n:brown", "n:green", "b:12"}}, {"Officer Ruiz #12, Officer Lee", []string{"b:12", "n:lee"}},
		{"Oficial Pérez y Agente López", []string{"n:perez", "n:lopez"}},
		{"unknown officer", nil},
		{"el oficial desconocido", nil},
		{"Smith 221", []string{"n:smith"}},         // a number with no badge word is no badge
		{"#221", []string{"b:221"}},                // a badge alone
		{"Officer O'Brien", []string{"n:o'brien"}}, // apostrophes kept inside a name
		{"Deputy Ruiz-Soto", []string{"n:ruiz-soto"}},
		{"Det. Nº 45 Vargas", []string{"b:45"}},
		{"Sheriff\u202e Doe", []string{"n:doe"}}, // hidden controls taken out
	} {
		if got := OfficerKeys(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("OfficerKeys(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOfficerKeysBounded(t *testing.T) {
	in := ""
	for i := range 40 {
		in += "Officer N" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " #" + strconv.Itoa(100+i) + "; "
	}
	if got := OfficerKeys(in); len(got) != MaxOfficerKeys {
		t.Fatalf("keys of a long list: %d, want %d", len(got), MaxOfficerKeys)
	}
}

func TestOfficerKeyParts(t *testing.T) {
	if OfficerKeyBadge("b:12") != "12" || OfficerKeyBadge("n:lee") != "" || OfficerKeyName("n:lee") != "lee" || OfficerKeyName("b:12") != "" {
		t.Fatal("key parts misread")
	}
}

func TestParseWarningSettings(t *testing.T) {
	vals := map[string]string{}
	for _, d := range WarningSettingDefs {
		vals[d.Name] = strconv.Itoa(d.Default)
	}
	got, err := ParseWarningSettings(func(n string) string { return vals[n] })
	if err != nil || got[WarnOfficerMin] != 3 {
		t.Fatalf("defaults: %v %v", got, err)
	}
	for _, bad := range []string{"", "x", "1", "101", "2.5", "-3"} {
		vals[WarnOfficerMin] = bad
		_, err := ParseWarningSettings(func(n string) string { return vals[n] })
		if fe := FieldsOf(err); len(fe) != 1 || fe[0].Field != WarnOfficerMin || fe[0].Rule != "range" || fe[0].Param != "2–100" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
