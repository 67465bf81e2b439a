package web

import (
	"errors"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// A complaint's JSON body, whatever is sent, is read or refused with an error the API
// words (a 400 of its own or a field error), never a panic or a silent half-read.
func FuzzDecodeComplaint(f *testing.F) {
	for _, s := range []string{
		`{"language":"es","incident_date":"2025-07-18","state":"TX","categories":["excessive_force"],"filer":"self","narrative":"x"}`,
		`{"Narrative":"a"}`, `{"narrative":"a","narrative":"b"}`, `{"narrative":"\ud800"}`, `[]`, ``, `{"contact":{"email":1}}`,
		`{"incident_date":"31/02/2025"}`, `{"categories":[{}]}`, `{} {}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in redress.ComplaintInput
		err := decodeBody(body, nil, &in)
		if err == nil {
			return
		}
		var ae *apiError
		var re *redress.Error
		if !errors.As(err, &ae) && !errors.As(err, &re) {
			t.Fatalf("%q refused with %T %v, which the API cannot word", body, err, err)
		}
	})
}
