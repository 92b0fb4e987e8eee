package dynamostore_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/storetest"
)

func TestStoreContract(t *testing.T) {
	t.Parallel()
	// Holding the server for the whole suite keeps one JVM for all subtests.
	dynamolocal.ServerForTest(t)
	storetest.Run(t, func(t *testing.T) callsession.Store {
		client, table := dynamolocal.ForTest(t)
		return dynamostore.New(client, table)
	})
}

func TestCreateTable(t *testing.T) {
	t.Parallel()
	client, table := dynamolocal.ForTest(t)
	ctx := t.Context()

	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatalf("describe table: %v", err)
	}
	wantKeys(t, "table", out.Table.KeySchema, dynamostore.PartitionKey, dynamostore.SortKey)
	if n := len(out.Table.GlobalSecondaryIndexes); n != 1 {
		t.Fatalf("got %d global secondary indexes, want 1", n)
	}
	gsi := out.Table.GlobalSecondaryIndexes[0]
	if got := aws.ToString(gsi.IndexName); got != dynamostore.CustomerIndex {
		t.Fatalf("got index %q, want %q", got, dynamostore.CustomerIndex)
	}
	wantKeys(t, "index", gsi.KeySchema, dynamostore.CustomerIndexPartitionKey, dynamostore.CustomerIndexSortKey)
	if got := gsi.Projection.ProjectionType; got != types.ProjectionTypeAll {
		t.Fatalf("got index projection %q, want %q", got, types.ProjectionTypeAll)
	}
	for _, def := range out.Table.AttributeDefinitions {
		if def.AttributeType != types.ScalarAttributeTypeS {
			t.Fatalf("got key attribute %s of type %q, want S", aws.ToString(def.AttributeName), def.AttributeType)
		}
	}

	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil {
		t.Fatalf("describe TTL: %v", err)
	}
	d := ttl.TimeToLiveDescription
	if d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != dynamostore.TTLAttribute {
		t.Fatalf("got TTL %q on %q, want %q on %q", d.TimeToLiveStatus, aws.ToString(d.AttributeName),
			types.TimeToLiveStatusEnabled, dynamostore.TTLAttribute)
	}
}

func wantKeys(t *testing.T, what string, keys []types.KeySchemaElement, hash, rng string) {
	t.Helper()
	if len(keys) != 2 ||
		aws.ToString(keys[0].AttributeName) != hash || keys[0].KeyType != types.KeyTypeHash ||
		aws.ToString(keys[1].AttributeName) != rng || keys[1].KeyType != types.KeyTypeRange {
		t.Fatalf("%s key schema: got %+v, want HASH %s and RANGE %s", what, keys, hash, rng)
	}
}

// TestUnavailable checks that SDK errors become CodeUnavailable. It needs no
// emulator: the client points at a closed port.
func TestUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()

	client := dynamolocal.NewClient(endpoint, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	s := dynamostore.New(client, "yourang-closed", dynamostore.WithStartAttempts(1))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	now := time.Now()
	cfg := callsession.DefaultConfig()
	req := callsession.StartRequest{CustomerID: "cus-1", CallRef: "ref-1", Agent: callsession.Agent{ID: "a", DisplayName: "A"}}

	calls := map[string]func() error{
		"StartSession": func() error {
			_, _, err := s.StartSession(ctx, req, now, func(st callsession.CustomerState) (callsession.StartPlan, error) {
				return callsession.PlanStart(st, req, now, cfg)
			})
			return err
		},
		"Session": func() error { _, err := s.Session(ctx, "call_1"); return err },
		"Answer": func() error {
			_, err := s.Answer(ctx, callsession.AnswerRequest{CallID: "call_1", CustomerID: "cus-1", Answer: callsession.AnswerDeny}, now, cfg)
			return err
		},
		"Disclose":     func() error { _, _, err := s.Disclose(ctx, "call_1", nil, now); return err },
		"RecordPush":   func() error { return s.RecordPush(ctx, "call_1", callsession.PushOutcome{}, now) },
		"History":      func() error { _, err := s.History(ctx, "cus-1", now, 10); return err },
		"Devices":      func() error { _, err := s.Devices(ctx, "cus-1"); return err },
		"PutDevice":    func() error { return s.PutDevice(ctx, callsession.Device{CustomerID: "cus-1", DeviceID: "d"}) },
		"DeleteDevice": func() error { _, err := s.DeleteDevice(ctx, "cus-1", "d"); return err },
		"DisableDevice": func() error {
			return s.DisableDevice(ctx, callsession.Device{CustomerID: "cus-1", DeviceID: "d", Token: "t"})
		},
	}
	for name, call := range calls {
		if got := callsession.ErrorCode(call()); got != callsession.CodeUnavailable {
			t.Errorf("%s: got error code %q, want %q", name, got, callsession.CodeUnavailable)
		}
	}
}
