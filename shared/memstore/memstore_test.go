package memstore_test

import (
	"testing"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
	"github.com/yourang/yourang/shared/storetest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) callsession.Store { return memstore.New() })
}
