package storetest_test

import (
	"testing"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
	"github.com/yourang/yourang/shared/storetest"
)

// TestRun runs the suite on the embedded store, the reference behaviour, so
// that a change to the suite is checked where it is made.
func TestRun(t *testing.T) {
	storetest.Run(t, func(*testing.T) callsession.Store { return memstore.New() })
}
