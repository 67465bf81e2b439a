package redress

import "testing"

// The embedded avenues load, name the federal bodies at their published addresses,
// give a state's attorney general where the data has one, and a generic entry (no
// contacts) where it has none; ICE OPR only under an agreement.
func TestAvenues(t *testing.T) {
	a, err := LoadAvenues()
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []Avenue) (out []string) {
		for _, v := range list {
			out = append(out, v.ID+":"+v.State+":"+v.URL)
		}
		return out
	}
	tx := ids(a.For("TX", true))
	want := []string{"dhs_crcl::https://www.dhs.gov/file-civil-rights-complaint", "dhs_oig::https://www.oig.dhs.gov/hotline",
		"ice_opr::https://www.ice.gov/about-ice/opr", "state_ag:TX:https://www.texasattorneygeneral.gov/",
		"legal_aid::https://www.immigrationadvocates.org/legaldirectory/"}
	if len(tx) != len(want) {
		t.Fatalf("TX: %v", tx)
	}
	for i := range want {
		if tx[i] != want[i] {
			t.Fatalf("TX: %v, want %v", tx, want)
		}
	}
	wy := ids(a.For("WY", false))
	if len(wy) != 4 || wy[2] != "state_ag::" {
		t.Fatalf("WY without an agreement: %v", wy)
	}
}
