package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"

	"github.com/redress-oversight/redress/internal/redress"
)

// TestPostgresOutageStates: a full disk (53100) and the other server states below cannot
// be produced for real on the shared test server, so the driver's error is built here;
// TestOutagePostgresConnectionLost and TestOutagePostgresTerminated produce 08xxx-class
// failures and 57P01 for real.
func TestPostgresOutageStates(t *testing.T) {
	for _, tc := range []struct {
		state string
		want  string
	}{
		{"53100", redress.EUNAVAILABLE}, // disk_full
		{"53200", redress.EUNAVAILABLE}, // out_of_memory
		{"53300", redress.EUNAVAILABLE}, // too_many_connections
		{"53000", redress.EUNAVAILABLE}, // insufficient_resources
		{"57P01", redress.EUNAVAILABLE}, // admin_shutdown
		{"57P02", redress.EUNAVAILABLE}, // crash_shutdown
		{"57P03", redress.EUNAVAILABLE}, // cannot_connect_now
		{"08006", redress.EUNAVAILABLE}, // connection_failure
		{"08001", redress.EUNAVAILABLE}, // sqlclient_unable_to_establish_sqlconnection
		{"58030", redress.EUNAVAILABLE}, // io_error
		{"23505", redress.EINTERNAL},    // unique_violation: a bug or a race, not an outage
		{"40001", redress.EINTERNAL},    // serialization_failure
		{"42P01", redress.EINTERNAL},    // undefined_table
		{"57014", redress.EINTERNAL},    // query_canceled: the caller's own deadline
	} {
		err := classify(fmt.Errorf("insert complaint: %w", &pq.Error{Code: pq.ErrorCode(tc.state), Message: "m"}))
		if got := redress.ErrorCode(err); got != tc.want {
			t.Errorf("SQLSTATE %s: code %q, want %q", tc.state, got, tc.want)
		}
		var pe *pq.Error
		if !errors.As(err, &pe) {
			t.Errorf("SQLSTATE %s: the driver's error is lost from the chain", tc.state)
		}
	}
}
