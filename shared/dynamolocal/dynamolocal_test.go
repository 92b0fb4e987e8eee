package dynamolocal_test

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/yourang/yourang/shared/dynamolocal"
)

func TestStartAndClose(t *testing.T) {
	srv := dynamolocal.ServerForTest(t)
	// A second server of its own shows Start and Close without the shared one.
	own, err := dynamolocal.Start(t.Context(), dynamolocal.Options{})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if srv.Endpoint() == own.Endpoint() {
		t.Fatalf("got the shared server's endpoint %s twice, want a new port", own.Endpoint())
	}

	u, err := url.Parse(own.Endpoint())
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("got endpoint %q, want http://127.0.0.1:<port>", own.Endpoint())
	}
	if _, err := own.Client().ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("list tables: %v", err)
	}

	if err := own.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := own.Close(); err != nil {
		t.Fatalf("second close: got %v, want nil", err)
	}
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Fatalf("port %s still accepts connections after Close", u.Host)
	}
}

func TestStartNotInstalled(t *testing.T) {
	// A directory with an empty jar gets past the jar check.
	withJar := t.TempDir()
	if err := os.WriteFile(filepath.Join(withJar, "DynamoDBLocal.jar"), nil, 0o644); err != nil {
		t.Fatalf("write jar: %v", err)
	}

	tests := []struct {
		name string
		opts dynamolocal.Options
		want string
	}{
		{"no jar", dynamolocal.Options{Dir: t.TempDir()}, "DynamoDBLocal.jar not found"},
		{"no java", dynamolocal.Options{Dir: withJar, Java: "/nonexistent/java"}, "java not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dynamolocal.Start(t.Context(), tt.opts)
			if !errors.Is(err, dynamolocal.ErrNotInstalled) {
				t.Fatalf("got %v, want ErrNotInstalled", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestStartDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(dynamolocal.DirEnv, dir)
	_, err := dynamolocal.Start(t.Context(), dynamolocal.Options{})
	if !errors.Is(err, dynamolocal.ErrNotInstalled) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("got %v, want ErrNotInstalled naming %s", err, dir)
	}
}

func TestForTest(t *testing.T) {
	client, table := dynamolocal.ForTest(t)
	_, other := dynamolocal.ForTest(t)
	if table == other {
		t.Fatalf("got table %s twice, want a new name per call", table)
	}

	out, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	for _, name := range []string{table, other} {
		if !slices.Contains(out.TableNames, name) {
			t.Fatalf("got tables %v, want %s among them", out.TableNames, name)
		}
	}
}
