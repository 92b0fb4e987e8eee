package dynamolocal

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/yourang/yourang/shared/dynamostore"
)

// RequireEnv names the environment variable that turns a missing emulator
// from a skipped test into a failed one when set to "1". `make test` sets it.
const RequireEnv = "YOURANG_REQUIRE_INTEGRATION"

// shared is the server that the tests of one test binary share, so that the
// JVM starts once per package and not once per test.
var shared struct {
	mu   sync.Mutex
	srv  *Server // guarded by mu
	refs int     // tests holding srv; guarded by mu
}

// ServerForTest returns a running DynamoDB Local server shared by the tests
// of the binary. The server stops when the last test that holds it ends,
// failed or not. When the emulator is not installed the test is skipped,
// or fails if $YOURANG_REQUIRE_INTEGRATION is 1.
func ServerForTest(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()

	if shared.srv == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv, err := Start(ctx, Options{})
		if err != nil {
			skipOrFail(t, err)
			return nil
		}
		shared.srv = srv
	}
	shared.refs++
	srv := shared.srv
	t.Cleanup(func() { release(t) })
	return srv
}

func release(t testing.TB) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.refs--
	if shared.refs > 0 {
		return
	}
	if err := shared.srv.Close(); err != nil {
		t.Errorf("stop DynamoDB Local: %v", err)
	}
	shared.srv = nil
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("start DynamoDB Local: %v", err)
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%v (%s=1 requires the integration tests to run)", err, RequireEnv)
	}
	t.Skipf("skipping test that needs DynamoDB Local: %v", err)
}

// ForTest returns a client of the shared DynamoDB Local server and the name
// of a new empty table made by [dynamostore.CreateTable]. Each call makes
// its own table with a random name, so tests can run in parallel.
func ForTest(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	srv := ServerForTest(t)
	client := srv.Client()
	table := TableName("test")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamostore.CreateTable(ctx, client, table); err != nil {
		t.Fatalf("create table %s: %v", table, err)
	}
	return client, table
}

// TableName returns a random table name that starts with "yourang-" and
// prefix.
func TableName(prefix string) string {
	return "yourang-" + prefix + "-" + strings.ToLower(rand.Text()[:12])
}
