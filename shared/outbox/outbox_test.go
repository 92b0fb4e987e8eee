package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/outbox"
	"github.com/yourang/yourang/shared/pushpayload"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var now = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

var endpointPattern = regexp.MustCompile(`^arn:aws:sns:eu-west-2:111122223333:endpoint/(APNS|APNS_SANDBOX|GCM)/yourang-test/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func newOutbox(opts ...outbox.Option) *outbox.Outbox {
	base := []outbox.Option{
		outbox.WithClock(fixedClock{now}),
		outbox.WithRegion("eu-west-2"),
		outbox.WithAccountID("111122223333"),
		outbox.WithAppName("yourang-test"),
	}
	return outbox.New(append(base, opts...)...)
}

func notification(callID string) callsession.Notification {
	return callsession.Notification{
		CallID:    callID,
		AgentName: "Priya",
		StartedAt: now,
		AnswerBy:  now.Add(10 * time.Minute),
		TTL:       10 * time.Minute,
	}
}

// registered returns a device of the customer with its endpoint registered.
func registered(t *testing.T, o *outbox.Outbox, customerID, deviceID string, p callsession.Platform) callsession.Device {
	t.Helper()
	d := callsession.Device{CustomerID: customerID, DeviceID: deviceID, Platform: p, Token: "token-" + deviceID, Enabled: true}
	arn, err := o.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	d.EndpointARN = arn
	return d
}

func TestRegisterEndpointARN(t *testing.T) {
	o := newOutbox()
	ctx := context.Background()
	d := callsession.Device{CustomerID: "cust-1", DeviceID: "phone-1", Platform: callsession.PlatformAPNS}

	first, err := o.Register(ctx, d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if !endpointPattern.MatchString(first) {
		t.Errorf("ARN = %q, want the shape of an SNS endpoint ARN", first)
	}

	d.Token = "a-new-token"
	again, err := o.Register(ctx, d)
	if err != nil {
		t.Fatalf("Register again: %v", err)
	}
	if again != first {
		t.Errorf("ARN on second register = %q, want the first %q", again, first)
	}

	other, _ := o.Register(ctx, callsession.Device{CustomerID: "cust-1", DeviceID: "phone-2", Platform: callsession.PlatformGCM})
	if other == first {
		t.Errorf("another device got the same ARN %q", other)
	}
	if !endpointPattern.MatchString(other) || !regexp.MustCompile(`:endpoint/GCM/`).MatchString(other) {
		t.Errorf("GCM ARN = %q, want endpoint/GCM/ in an SNS endpoint ARN", other)
	}
}

func TestRegisterRejectsUnknownPlatform(t *testing.T) {
	o := newOutbox()
	_, err := o.Register(context.Background(), callsession.Device{CustomerID: "c", DeviceID: "d", Platform: "ADM"})
	if code := callsession.ErrorCode(err); code != callsession.CodeInvalid {
		t.Errorf("error code = %q, want %q (err %v)", code, callsession.CodeInvalid, err)
	}
}

func TestRegisterAndUnregisterRecordNothing(t *testing.T) {
	o := newOutbox()
	d := registered(t, o, "cust-1", "phone-1", callsession.PlatformGCM)
	if err := o.Unregister(context.Background(), d); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := o.Records(""); len(got) != 0 {
		t.Errorf("records = %v, want none", got)
	}
}

func TestNotifyRecordsExactPublish(t *testing.T) {
	o := newOutbox()
	for _, p := range []callsession.Platform{callsession.PlatformAPNS, callsession.PlatformAPNSSandbox, callsession.PlatformGCM} {
		t.Run(string(p), func(t *testing.T) {
			d := registered(t, o, "cust-"+string(p), "phone-1", p)
			n := notification("call_" + string(p))
			if err := o.Notify(context.Background(), d, n); err != nil {
				t.Fatalf("Notify: %v", err)
			}

			got := o.Records(d.CustomerID)
			if len(got) != 1 {
				t.Fatalf("records = %d, want 1", len(got))
			}
			want, err := pushpayload.Notification(p, n)
			if err != nil {
				t.Fatalf("pushpayload.Notification: %v", err)
			}
			r := got[0]
			if r.Kind != outbox.KindNotification {
				t.Errorf("Kind = %q, want %q", r.Kind, outbox.KindNotification)
			}
			if r.TargetARN != d.EndpointARN {
				t.Errorf("TargetARN = %q, want %q", r.TargetARN, d.EndpointARN)
			}
			if r.CustomerID != d.CustomerID || r.DeviceID != d.DeviceID || r.Platform != p || r.CallID != n.CallID {
				t.Errorf("record ids = %q %q %q %q, want %q %q %q %q", r.CustomerID, r.DeviceID, r.Platform, r.CallID, d.CustomerID, d.DeviceID, p, n.CallID)
			}
			if r.MessageStructure != want.MessageStructure {
				t.Errorf("MessageStructure = %q, want %q", r.MessageStructure, want.MessageStructure)
			}
			if r.Message != want.Message {
				t.Errorf("Message = %s, want %s", r.Message, want.Message)
			}
			if !reflect.DeepEqual(r.Attributes, want.Attributes) {
				t.Errorf("Attributes = %v, want %v", r.Attributes, want.Attributes)
			}
			if !r.Time.Equal(now) {
				t.Errorf("Time = %v, want %v", r.Time, now)
			}
		})
	}
}

func TestAlertFraudRecordsTopicPublish(t *testing.T) {
	o := newOutbox()
	a := callsession.FraudAlert{CallID: "call_1", CustomerID: "cust-1", AgentID: "agent-1", CallRef: "ref-1", Reason: callsession.EndCustomerDenied, At: now}
	if err := o.AlertFraud(context.Background(), a); err != nil {
		t.Fatalf("AlertFraud: %v", err)
	}

	got := o.Records("cust-1")
	if len(got) != 1 {
		t.Fatalf("records = %d, want 1", len(got))
	}
	want, _ := pushpayload.FraudAlert(a)
	r := got[0]
	if r.Kind != outbox.KindFraudAlert {
		t.Errorf("Kind = %q, want %q", r.Kind, outbox.KindFraudAlert)
	}
	if wantARN := "arn:aws:sns:eu-west-2:111122223333:yourang-fraud-alerts"; r.TargetARN != wantARN {
		t.Errorf("TargetARN = %q, want %q", r.TargetARN, wantARN)
	}
	if r.Message != want.Message || r.Subject != want.Subject || r.MessageStructure != "" {
		t.Errorf("record = %+v, want the publish %+v", r, want)
	}
	if r.DeviceID != "" || r.Platform != "" {
		t.Errorf("fraud alert has device %q and platform %q, want none", r.DeviceID, r.Platform)
	}
}

func TestAlertFraudCustomTopic(t *testing.T) {
	topic := "arn:aws:sns:eu-west-2:111122223333:fraud"
	o := newOutbox(outbox.WithFraudTopicARN(topic))
	a := callsession.FraudAlert{CallID: "call_1", CustomerID: "cust-1", At: now}
	if err := o.AlertFraud(context.Background(), a); err != nil {
		t.Fatalf("AlertFraud: %v", err)
	}
	if got := o.Records("")[0].TargetARN; got != topic {
		t.Errorf("TargetARN = %q, want %q", got, topic)
	}
}

func TestNotifyDisabledEndpoint(t *testing.T) {
	o := newOutbox()
	ctx := context.Background()
	d := registered(t, o, "cust-1", "phone-1", callsession.PlatformAPNS)

	o.DisableEndpoint(d.EndpointARN)
	err := o.Notify(ctx, d, notification("call_1"))
	if !errors.Is(err, callsession.ErrEndpointDisabled) {
		t.Errorf("Notify to a disabled endpoint: err = %v, want ErrEndpointDisabled", err)
	}
	if got := o.Records(""); len(got) != 0 {
		t.Errorf("records after a rejected push = %d, want 0", len(got))
	}

	d = registered(t, o, "cust-1", "phone-1", callsession.PlatformAPNS)
	if err := o.Notify(ctx, d, notification("call_2")); err != nil {
		t.Errorf("Notify after registering again: %v", err)
	}
}

func TestNotifyWithoutEndpoint(t *testing.T) {
	o := newOutbox()
	d := callsession.Device{CustomerID: "cust-1", DeviceID: "phone-1", Platform: callsession.PlatformGCM}
	err := o.Notify(context.Background(), d, notification("call_1"))
	if !errors.Is(err, callsession.ErrEndpointDisabled) {
		t.Errorf("err = %v, want ErrEndpointDisabled", err)
	}
}

func TestRecordsFilterByCustomer(t *testing.T) {
	o := newOutbox()
	ctx := context.Background()
	alice := registered(t, o, "alice", "phone-1", callsession.PlatformAPNS)
	bob := registered(t, o, "bob", "phone-1", callsession.PlatformGCM)
	_ = o.Notify(ctx, alice, notification("call_a1"))
	_ = o.Notify(ctx, bob, notification("call_b1"))
	_ = o.Notify(ctx, alice, notification("call_a2"))

	if got := o.Records(""); len(got) != 3 {
		t.Errorf("all records = %d, want 3", len(got))
	}
	got := o.Records("alice")
	if len(got) != 2 {
		t.Fatalf("alice's records = %d, want 2", len(got))
	}
	if got[0].CallID != "call_a1" || got[1].CallID != "call_a2" {
		t.Errorf("alice's calls = %q, %q, want call_a1, call_a2 in order", got[0].CallID, got[1].CallID)
	}
	if got := o.Records("carol"); len(got) != 0 {
		t.Errorf("carol's records = %d, want 0", len(got))
	}
}

func TestRecordsAfter(t *testing.T) {
	o := newOutbox()
	ctx := context.Background()
	d := registered(t, o, "cust-1", "phone-1", callsession.PlatformAPNS)
	for i := range 5 {
		_ = o.Notify(ctx, d, notification(fmt.Sprintf("call_%d", i+1)))
	}

	tests := []struct {
		after uint64
		want  []uint64
	}{
		{0, []uint64{1, 2, 3, 4, 5}},
		{3, []uint64{4, 5}},
		{5, nil},
		{99, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.after), func(t *testing.T) {
			var got []uint64
			for _, r := range o.RecordsAfter(tt.after) {
				got = append(got, r.Seq)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RecordsAfter(%d) = %v, want %v", tt.after, got, tt.want)
			}
		})
	}
	if got := o.LastSeq(); got != 5 {
		t.Errorf("LastSeq = %d, want 5", got)
	}
}

func TestRecordsDropOldestBeyondLimit(t *testing.T) {
	o := newOutbox(outbox.WithMaxRecords(5))
	ctx := context.Background()
	d := registered(t, o, "cust-1", "phone-1", callsession.PlatformAPNS)
	for i := range 12 {
		_ = o.Notify(ctx, d, notification(fmt.Sprintf("call_%d", i+1)))
	}

	got := o.Records("")
	if len(got) != 5 {
		t.Fatalf("records = %d, want 5", len(got))
	}
	if got[0].Seq != 8 || got[4].Seq != 12 {
		t.Errorf("kept sequence numbers %d..%d, want 8..12", got[0].Seq, got[4].Seq)
	}
	if after := o.RecordsAfter(2); len(after) != 5 || after[0].Seq != 8 {
		t.Errorf("RecordsAfter(2) = %d records from %d, want 5 from 8", len(after), after[0].Seq)
	}
}

func TestDefaultLimit(t *testing.T) {
	o := newOutbox()
	ctx := context.Background()
	a := callsession.FraudAlert{CallID: "call_1", CustomerID: "cust-1", At: now}
	for range outbox.DefaultMaxRecords + 1 {
		_ = o.AlertFraud(ctx, a)
	}
	got := o.Records("")
	if len(got) != outbox.DefaultMaxRecords {
		t.Errorf("records = %d, want %d", len(got), outbox.DefaultMaxRecords)
	}
	if got[0].Seq != 2 {
		t.Errorf("oldest kept record = %d, want 2", got[0].Seq)
	}
}

func TestRecordsReturnsCopies(t *testing.T) {
	o := newOutbox()
	d := registered(t, o, "cust-1", "phone-1", callsession.PlatformAPNS)
	_ = o.Notify(context.Background(), d, notification("call_1"))

	o.Records("")[0].Attributes[pushpayload.AttributeAPNSTTL] = pushpayload.Attribute{DataType: "String", StringValue: "1"}
	if got := o.Records("")[0].Attributes[pushpayload.AttributeAPNSTTL].StringValue; got != "600" {
		t.Errorf("TTL attribute after a caller changed its copy = %q, want 600", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	const workers, each = 16, 50
	o := newOutbox()
	ctx := context.Background()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			d := registered(t, o, fmt.Sprintf("cust-%d", w), "phone-1", callsession.PlatformGCM)
			for i := range each {
				if err := o.Notify(ctx, d, notification(fmt.Sprintf("call_%d_%d", w, i))); err != nil {
					t.Errorf("Notify: %v", err)
				}
				_ = o.RecordsAfter(uint64(i))
			}
		})
	}
	wg.Wait()

	got := o.Records("")
	if len(got) != workers*each {
		t.Fatalf("records = %d, want %d", len(got), workers*each)
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has Seq %d, want %d", i, r.Seq, i+1)
		}
	}
	if n := len(o.Records("cust-3")); n != each {
		t.Errorf("records of one customer = %d, want %d", n, each)
	}
}
