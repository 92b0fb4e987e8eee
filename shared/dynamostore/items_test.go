package dynamostore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
)

// TestItems checks the stored items against the table design: their keys,
// and a TTL equal to the session's end of retention in whole seconds.
func TestItems(t *testing.T) {
	t.Parallel()
	client, table := dynamolocal.ForTest(t)
	s := dynamostore.New(client, table)
	ctx := t.Context()
	cfg := callsession.DefaultConfig()
	now := time.Now().UTC()

	req := callsession.StartRequest{CustomerID: "cus-1", CallRef: "ref-1", Agent: callsession.Agent{ID: "agent-7", DisplayName: "Alex"}}
	p, _, err := s.StartSession(ctx, req, now.Add(-cfg.PushBudgetPeriod), func(st callsession.CustomerState) (callsession.StartPlan, error) {
		return callsession.PlanStart(st, req, now, cfg)
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	device := callsession.Device{CustomerID: "cus-1", DeviceID: "phone", Platform: callsession.PlatformGCM, Token: "t", Enabled: true}
	if err := s.PutDevice(ctx, device); err != nil {
		t.Fatalf("put device: %v", err)
	}

	retain := p.Session.RetainUntil
	wantTTL := retain.Unix()
	if retain.Nanosecond() > 0 {
		wantTTL++
	}
	tests := []struct {
		name   string
		pk, sk string
		ttl    int64 // 0 for none
	}{
		{"session", "CALL#" + p.Session.CallID, "SESSION", wantTTL},
		{"call_ref", "REF#ref-1", "REF", wantTTL},
		{"customer META", "CUS#cus-1", "META", wantTTL},
		{"device", "CUS#cus-1", "DEV#phone", 0},
	}
	for _, tt := range tests {
		item := getItem(t, client, table, tt.pk, tt.sk)
		if item == nil {
			t.Fatalf("%s: item %s/%s not found", tt.name, tt.pk, tt.sk)
		}
		got, ok := item[dynamostore.TTLAttribute].(*types.AttributeValueMemberN)
		switch {
		case tt.ttl == 0 && ok:
			t.Fatalf("%s: got %s %s, want none", tt.name, dynamostore.TTLAttribute, got.Value)
		case tt.ttl != 0 && (!ok || got.Value != strconv.FormatInt(tt.ttl, 10)):
			t.Fatalf("%s: got %s %v, want Number %d", tt.name, dynamostore.TTLAttribute, item[dynamostore.TTLAttribute], tt.ttl)
		}
	}

	session := getItem(t, client, table, "CALL#"+p.Session.CallID, "SESSION")
	if got := session[dynamostore.CustomerIndexPartitionKey]; !isString(got, "CUS#cus-1") {
		t.Fatalf("got %s %v, want CUS#cus-1", dynamostore.CustomerIndexPartitionKey, got)
	}
	wantSK := strconv.FormatInt(p.Session.StartedAt.UnixNano(), 10)
	wantSK = "0" + wantSK + "#" + p.Session.CallID
	if got := session[dynamostore.CustomerIndexSortKey]; !isString(got, wantSK) {
		t.Fatalf("got %s %v, want %s", dynamostore.CustomerIndexSortKey, got, wantSK)
	}
}

func getItem(t *testing.T, client *dynamodb.Client, table, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: &table,
		Key: map[string]types.AttributeValue{
			dynamostore.PartitionKey: &types.AttributeValueMemberS{Value: pk},
			dynamostore.SortKey:      &types.AttributeValueMemberS{Value: sk},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get item %s/%s: %v", pk, sk, err)
	}
	return out.Item
}

func isString(av types.AttributeValue, want string) bool {
	s, ok := av.(*types.AttributeValueMemberS)
	return ok && s.Value == want
}
