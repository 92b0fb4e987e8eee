package snspush_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
	"github.com/yourang/yourang/shared/snspush"
	"github.com/yourang/yourang/shared/snstest"
)

var now = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func config(s *snstest.Server) snspush.Config {
	return snspush.Config{
		PlatformApplicationARNs: map[callsession.Platform]string{
			callsession.PlatformAPNS:        s.ApplicationARN("APNS"),
			callsession.PlatformAPNSSandbox: s.ApplicationARN("APNS_SANDBOX"),
			callsession.PlatformGCM:         s.ApplicationARN("GCM"),
		},
		FraudTopicARN: s.TopicARN(),
	}
}

func newPusher(t *testing.T, s *snstest.Server, clientOpts ...func(*sns.Options)) *snspush.Pusher {
	t.Helper()
	p, err := snspush.New(s.NewClient(clientOpts...), config(s))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func device(customerID, deviceID string, platform callsession.Platform) callsession.Device {
	return callsession.Device{
		CustomerID: customerID,
		DeviceID:   deviceID,
		Platform:   platform,
		Token:      "tok-" + customerID + "-" + deviceID,
		Enabled:    true,
	}
}

// register registers d and returns it with its endpoint ARN.
func register(t *testing.T, p *snspush.Pusher, d callsession.Device) callsession.Device {
	t.Helper()
	arn, err := p.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	d.EndpointARN = arn
	return d
}

func notification() callsession.Notification {
	return callsession.Notification{
		CallID:    "call_abcdefghijklmnopqrstuvwxyz",
		AgentName: "Priya",
		StartedAt: now,
		AnswerBy:  now.Add(10 * time.Minute),
		TTL:       10 * time.Minute,
	}
}

func actions(reqs []snstest.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Action)
	}
	return out
}

func userData(customerID, deviceID string) string {
	return fmt.Sprintf(`{"customer_id":%q,"device_id":%q}`, customerID, deviceID)
}

func TestNewValidatesConfig(t *testing.T) {
	s := snstest.NewHandler()
	client := sns.New(sns.Options{Region: snstest.Region})
	tests := []struct {
		name string
		edit func(*snspush.Config)
	}{
		{"nothing set", func(c *snspush.Config) { c.PlatformApplicationARNs, c.FraudTopicARN = nil, "" }},
		{"unknown platform", func(c *snspush.Config) {
			c.PlatformApplicationARNs["ADM"] = "arn:aws:sns:us-east-1:123456789012:app/ADM/x"
		}},
		{"malformed application ARN", func(c *snspush.Config) { c.PlatformApplicationARNs[callsession.PlatformGCM] = "app/GCM/yourang" }},
		{"application of another service", func(c *snspush.Config) {
			c.PlatformApplicationARNs[callsession.PlatformGCM] = "arn:aws:sqs:us-east-1:123456789012:app/GCM/yourang"
		}},
		{"application of another platform", func(c *snspush.Config) {
			c.PlatformApplicationARNs[callsession.PlatformGCM] = s.ApplicationARN("APNS")
		}},
		{"topic ARN as application", func(c *snspush.Config) { c.PlatformApplicationARNs[callsession.PlatformGCM] = s.TopicARN() }},
		{"endpoint as topic", func(c *snspush.Config) {
			c.FraudTopicARN = "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/yourang/1"
		}},
		{"negative attempts", func(c *snspush.Config) { c.MaxAttempts = -1 }},
		{"too many attempts", func(c *snspush.Config) { c.MaxAttempts = 11 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(s)
			tt.edit(&cfg)
			if _, err := snspush.New(client, cfg); err == nil {
				t.Errorf("New returned no error, want one")
			}
		})
	}

	t.Run("nil client", func(t *testing.T) {
		if _, err := snspush.New(nil, config(s)); err == nil {
			t.Errorf("New(nil) returned no error, want one")
		}
	})
	t.Run("applications only, as for callstart and devices", func(t *testing.T) {
		cfg := config(s)
		cfg.FraudTopicARN = ""
		p, err := snspush.New(client, cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if err := p.AlertFraud(context.Background(), callsession.FraudAlert{CallID: "call_1", CustomerID: "c", At: time.Now()}); err == nil {
			t.Error("AlertFraud without a topic returned no error, want one")
		}
	})
	t.Run("topic only, as for respond", func(t *testing.T) {
		cfg := config(s)
		cfg.PlatformApplicationARNs = nil
		if _, err := snspush.New(client, cfg); err != nil {
			t.Errorf("New: %v", err)
		}
	})
	t.Run("valid", func(t *testing.T) {
		if _, err := snspush.New(client, config(s)); err != nil {
			t.Errorf("New with a valid config: %v", err)
		}
	})
}

func TestRegisterNewEndpoint(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := device("cust-1", "phone-1", callsession.PlatformAPNS)

	arn, err := p.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}

	reqs := s.Requests()
	if got := actions(reqs); strings.Join(got, ",") != "CreatePlatformEndpoint,GetEndpointAttributes" {
		t.Fatalf("actions = %v, want CreatePlatformEndpoint, GetEndpointAttributes", got)
	}
	create := reqs[0]
	if got := create.Param("PlatformApplicationArn"); got != s.ApplicationARN("APNS") {
		t.Errorf("PlatformApplicationArn = %q, want %q", got, s.ApplicationARN("APNS"))
	}
	if got := create.Param("Token"); got != d.Token {
		t.Errorf("Token = %q, want %q", got, d.Token)
	}
	if got := create.Param("CustomUserData"); got != userData("cust-1", "phone-1") {
		t.Errorf("CustomUserData = %q, want %q", got, userData("cust-1", "phone-1"))
	}
	if got := reqs[1].Param("EndpointArn"); got != arn {
		t.Errorf("GetEndpointAttributes EndpointArn = %q, want %q", got, arn)
	}

	e, ok := s.Endpoint(arn)
	if !ok {
		t.Fatalf("endpoint %s not found on the server", arn)
	}
	if e.Token != d.Token || !e.Enabled || e.Platform != "APNS" {
		t.Errorf("endpoint = %+v, want token %q, enabled, APNS", e, d.Token)
	}
}

func TestRegisterSameDeviceTwice(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := device("cust-1", "phone-1", callsession.PlatformGCM)

	first := register(t, p, d).EndpointARN
	second := register(t, p, d).EndpointARN
	if first != second {
		t.Errorf("second ARN = %q, want the first %q", second, first)
	}
	if n := len(s.RequestsFor("SetEndpointAttributes")); n != 0 {
		t.Errorf("SetEndpointAttributes calls = %d, want 0 for an unchanged endpoint", n)
	}
	if n := len(s.Endpoints()); n != 1 {
		t.Errorf("endpoints = %d, want 1", n)
	}
}

func TestRegisterTakesOverExistingToken(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := device("cust-1", "phone-2", callsession.PlatformAPNS)
	existing := s.CreateEndpoint("APNS", d.Token, userData("cust-1", "phone-1"), true)

	arn, err := p.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if arn != existing {
		t.Errorf("ARN = %q, want the existing endpoint %q", arn, existing)
	}

	reqs := s.Requests()
	want := "CreatePlatformEndpoint,GetEndpointAttributes,SetEndpointAttributes"
	if got := strings.Join(actions(reqs), ","); got != want {
		t.Fatalf("actions = %s, want %s", got, want)
	}
	if reqs[0].ErrorCode != "InvalidParameter" {
		t.Errorf("create answered %q, want InvalidParameter", reqs[0].ErrorCode)
	}
	set := reqs[2]
	if got := set.Param("EndpointArn"); got != existing {
		t.Errorf("SetEndpointAttributes EndpointArn = %q, want %q", got, existing)
	}
	wantAttrs := map[string]string{"Token": d.Token, "Enabled": "true", "CustomUserData": userData("cust-1", "phone-2")}
	for k, v := range wantAttrs {
		if set.Attributes[k] != v {
			t.Errorf("SetEndpointAttributes %s = %q, want %q", k, set.Attributes[k], v)
		}
	}

	e, _ := s.Endpoint(existing)
	if e.CustomUserData != userData("cust-1", "phone-2") {
		t.Errorf("endpoint CustomUserData = %q, want the new device's", e.CustomUserData)
	}
}

func TestRegisterReenablesDisabledEndpoint(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := register(t, p, device("cust-1", "phone-1", callsession.PlatformGCM))
	s.DisableEndpoint(d.EndpointARN)
	s.ResetRequests()

	arn, err := p.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if arn != d.EndpointARN {
		t.Errorf("ARN = %q, want %q", arn, d.EndpointARN)
	}
	sets := s.RequestsFor("SetEndpointAttributes")
	if len(sets) != 1 {
		t.Fatalf("SetEndpointAttributes calls = %d, want 1", len(sets))
	}
	if got := sets[0].Attributes["Enabled"]; got != "true" {
		t.Errorf("Enabled = %q, want true", got)
	}
	if e, _ := s.Endpoint(arn); !e.Enabled {
		t.Errorf("endpoint is still disabled after Register")
	}
	if err := p.Notify(context.Background(), d, notification()); err != nil {
		t.Errorf("Notify after re-enabling: %v", err)
	}
}

func TestRegisterRecreatesDeletedEndpoint(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := register(t, p, device("cust-1", "phone-1", callsession.PlatformGCM))
	s.DeleteEndpoint(d.EndpointARN)

	arn, err := p.Register(context.Background(), d)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if arn == d.EndpointARN {
		t.Errorf("ARN = %q, want a new endpoint", arn)
	}
	if _, ok := s.Endpoint(arn); !ok {
		t.Errorf("endpoint %s not found on the server", arn)
	}
}

func TestRegisterUnknownPlatform(t *testing.T) {
	s := snstest.New(t)
	cfg := config(s)
	delete(cfg.PlatformApplicationARNs, callsession.PlatformAPNSSandbox)
	p, err := snspush.New(s.NewClient(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	_, err = p.Register(context.Background(), device("cust-1", "phone-1", callsession.PlatformAPNSSandbox))
	if code := callsession.ErrorCode(err); code != callsession.CodeInvalid {
		t.Errorf("error code = %q, want %q (err %v)", code, callsession.CodeInvalid, err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestRegisterRejectedTokenIsRedacted(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := device("cust-1", "phone-1", callsession.PlatformAPNS)
	s.InjectFaults(snstest.Fault{
		Action:  "CreatePlatformEndpoint",
		Code:    "InvalidParameter",
		Message: "Invalid parameter: Token Reason: token " + d.Token + " is not a hexadecimal string",
	})

	_, err := p.Register(context.Background(), d)
	if code := callsession.ErrorCode(err); code != callsession.CodeInvalid {
		t.Errorf("error code = %q, want %q (err %v)", code, callsession.CodeInvalid, err)
	}
	if strings.Contains(err.Error(), d.Token) {
		t.Errorf("error contains the token: %v", err)
	}
}

func TestNotifyPublishesEveryParameter(t *testing.T) {
	tests := []struct {
		platform callsession.Platform
		ttlName  string
	}{
		{callsession.PlatformAPNS, "AWS.SNS.MOBILE.APNS.TTL"},
		{callsession.PlatformAPNSSandbox, "AWS.SNS.MOBILE.APNS_SANDBOX.TTL"},
		{callsession.PlatformGCM, "AWS.SNS.MOBILE.FCM.TTL"},
	}
	for _, tt := range tests {
		t.Run(string(tt.platform), func(t *testing.T) {
			s := snstest.New(t)
			p := newPusher(t, s)
			d := register(t, p, device("cust-1", "phone-1", tt.platform))
			n := notification()

			if err := p.Notify(context.Background(), d, n); err != nil {
				t.Fatalf("Notify: %v", err)
			}

			pubs := s.RequestsFor("Publish")
			if len(pubs) != 1 {
				t.Fatalf("Publish requests = %d, want 1", len(pubs))
			}
			r := pubs[0]
			want, _ := pushpayload.Notification(tt.platform, n)
			if got := r.Param("TargetArn"); got != d.EndpointARN {
				t.Errorf("TargetArn = %q, want %q", got, d.EndpointARN)
			}
			if got := r.Param("TopicArn"); got != "" {
				t.Errorf("TopicArn = %q, want none", got)
			}
			if got := r.Param("MessageStructure"); got != "json" {
				t.Errorf("MessageStructure = %q, want json", got)
			}
			if got := r.Param("Message"); got != want.Message {
				t.Errorf("Message = %s, want %s", got, want.Message)
			}

			var outer map[string]string
			if err := json.Unmarshal([]byte(r.Param("Message")), &outer); err != nil {
				t.Fatalf("Message does not parse: %v", err)
			}
			var inner map[string]any
			if err := json.Unmarshal([]byte(outer[string(tt.platform)]), &inner); err != nil {
				t.Errorf("%s entry does not parse: %v", tt.platform, err)
			}

			ttl, ok := r.MessageAttributes[tt.ttlName]
			if !ok {
				t.Fatalf("message attributes %v have no %s", r.MessageAttributes, tt.ttlName)
			}
			if ttl.DataType != "String" || ttl.StringValue != "600" {
				t.Errorf("%s = %+v, want String 600 (the 10-minute answer window)", tt.ttlName, ttl)
			}
			if len(r.MessageAttributes) != len(want.Attributes) {
				t.Errorf("message attributes = %v, want %v", r.MessageAttributes, want.Attributes)
			}
			for name, a := range want.Attributes {
				if got := r.MessageAttributes[name]; got.DataType != a.DataType || got.StringValue != a.StringValue {
					t.Errorf("attribute %s = %+v, want %+v", name, got, a)
				}
			}

			published := s.Published()
			if len(published) != 1 || published[0].Payload != outer[string(tt.platform)] {
				t.Errorf("server delivered %+v, want the %s entry", published, tt.platform)
			}
		})
	}
}

func TestNotifyConcurrentDevices(t *testing.T) {
	const devices, pushesPerDevice = 8, 12
	s := snstest.New(t)
	p := newPusher(t, s)
	platforms := []callsession.Platform{callsession.PlatformAPNS, callsession.PlatformAPNSSandbox, callsession.PlatformGCM}

	var registered []callsession.Device
	for i := range devices {
		registered = append(registered, register(t, p, device("cust-1", fmt.Sprintf("phone-%d", i), platforms[i%len(platforms)])))
	}
	s.ResetRequests()

	var wg sync.WaitGroup
	for _, d := range registered {
		for range pushesPerDevice {
			wg.Go(func() {
				if err := p.Notify(context.Background(), d, notification()); err != nil {
					t.Errorf("Notify %s: %v", d.DeviceID, err)
				}
			})
		}
	}
	wg.Wait()

	perTarget := map[string]int{}
	for _, m := range s.Published() {
		perTarget[m.TargetARN]++
	}
	for _, d := range registered {
		if got := perTarget[d.EndpointARN]; got != pushesPerDevice {
			t.Errorf("publishes to %s = %d, want %d", d.DeviceID, got, pushesPerDevice)
		}
	}
	if n := len(s.RequestsFor("Publish")); n != devices*pushesPerDevice {
		t.Errorf("Publish requests = %d, want %d", n, devices*pushesPerDevice)
	}
}

func TestNotifyEndpointGone(t *testing.T) {
	tests := []struct {
		name     string
		makeGone func(s *snstest.Server, arn string)
		wantCode string
	}{
		{"disabled", func(s *snstest.Server, arn string) { s.DisableEndpoint(arn) }, "EndpointDisabled"},
		{"deleted", func(s *snstest.Server, arn string) { s.DeleteEndpoint(arn) }, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			p := newPusher(t, s)
			d := register(t, p, device("cust-1", "phone-1", callsession.PlatformAPNS))
			tt.makeGone(s, d.EndpointARN)

			err := p.Notify(context.Background(), d, notification())
			if !errors.Is(err, callsession.ErrEndpointDisabled) {
				t.Errorf("err = %v, want one wrapping ErrEndpointDisabled", err)
			}
			pubs := s.RequestsFor("Publish")
			if len(pubs) != 1 {
				t.Fatalf("Publish requests = %d, want 1 (no retry)", len(pubs))
			}
			if pubs[0].ErrorCode != tt.wantCode {
				t.Errorf("server answered %q, want %q", pubs[0].ErrorCode, tt.wantCode)
			}
		})
	}
}

func TestNotifyWithoutEndpointARN(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	err := p.Notify(context.Background(), device("cust-1", "phone-1", callsession.PlatformGCM), notification())
	if !errors.Is(err, callsession.ErrEndpointDisabled) {
		t.Errorf("err = %v, want one wrapping ErrEndpointDisabled", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestNotifyThrottlingThenSuccess(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := register(t, p, device("cust-1", "phone-1", callsession.PlatformAPNS))
	s.InjectFaults(
		snstest.Fault{Action: "Publish", Code: "Throttling", Message: "Rate exceeded"},
		snstest.Fault{Action: "Publish", Code: "Throttling", Message: "Rate exceeded"},
	)

	if err := p.Notify(context.Background(), d, notification()); err != nil {
		t.Fatalf("Notify: %v", err)
	}

	pubs := s.RequestsFor("Publish")
	if len(pubs) != 3 {
		t.Fatalf("Publish requests = %d, want 3", len(pubs))
	}
	for i, want := range []string{"Throttling", "Throttling", ""} {
		if pubs[i].ErrorCode != want {
			t.Errorf("attempt %d answered %q, want %q", i+1, pubs[i].ErrorCode, want)
		}
	}
	if got := len(s.Published()); got != 1 {
		t.Errorf("accepted publishes = %d, want 1", got)
	}
}

func TestNotifyThrottlingForeverStops(t *testing.T) {
	tests := []struct {
		name         string
		maxAttempts  int
		clientOpts   []func(*sns.Options)
		wantRequests int
	}{
		{"default", 0, nil, snspush.DefaultMaxAttempts},
		{"configured", 5, nil, 5},
		{"client allows more", 0, []func(*sns.Options){func(o *sns.Options) { o.RetryMaxAttempts = 10 }}, snspush.DefaultMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			cfg := config(s)
			cfg.MaxAttempts = tt.maxAttempts
			p, err := snspush.New(s.NewClient(tt.clientOpts...), cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			d := register(t, p, device("cust-1", "phone-1", callsession.PlatformGCM))
			s.FailAll(snstest.Fault{Action: "Publish", Code: "Throttling", Message: "Rate exceeded"})

			err = p.Notify(context.Background(), d, notification())
			if code := callsession.ErrorCode(err); code != callsession.CodeUnavailable {
				t.Errorf("error code = %q, want %q (err %v)", code, callsession.CodeUnavailable, err)
			}
			if errors.Is(err, callsession.ErrEndpointDisabled) {
				t.Errorf("err = %v, want one not wrapping ErrEndpointDisabled", err)
			}
			if n := len(s.RequestsFor("Publish")); n != tt.wantRequests {
				t.Errorf("Publish requests = %d, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestNotifyInvalidParameter(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := register(t, p, device("cust-1", "phone-1", callsession.PlatformAPNS))
	s.InjectFaults(snstest.Fault{Action: "Publish", Code: "InvalidParameter", Message: "Invalid parameter: Message"})

	err := p.Notify(context.Background(), d, notification())
	if err == nil {
		t.Fatal("Notify returned no error, want one")
	}
	if errors.Is(err, callsession.ErrEndpointDisabled) {
		t.Errorf("err = %v, want one not wrapping ErrEndpointDisabled", err)
	}
	if code := callsession.ErrorCode(err); code != callsession.CodeUnavailable {
		t.Errorf("error code = %q, want %q", code, callsession.CodeUnavailable)
	}
	if n := len(s.RequestsFor("Publish")); n != 1 {
		t.Errorf("Publish requests = %d, want 1 (no retry)", n)
	}
}

func TestAlertFraudPublishesToTopic(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	a := callsession.FraudAlert{
		CallID:     "call_abcdefghijklmnopqrstuvwxyz",
		CustomerID: "cust-1",
		AgentID:    "agent-7",
		CallRef:    "ref-1",
		Reason:     callsession.EndCustomerDenied,
		At:         now,
	}

	if err := p.AlertFraud(context.Background(), a); err != nil {
		t.Fatalf("AlertFraud: %v", err)
	}

	pubs := s.RequestsFor("Publish")
	if len(pubs) != 1 {
		t.Fatalf("Publish requests = %d, want 1", len(pubs))
	}
	r := pubs[0]
	if got := r.Param("TopicArn"); got != s.TopicARN() {
		t.Errorf("TopicArn = %q, want %q", got, s.TopicARN())
	}
	if got := r.Param("TargetArn"); got != "" {
		t.Errorf("TargetArn = %q, want none", got)
	}
	if got := r.Param("MessageStructure"); got != "" {
		t.Errorf("MessageStructure = %q, want none", got)
	}
	if got := r.Param("Subject"); got != pushpayload.FraudAlertSubject {
		t.Errorf("Subject = %q, want %q", got, pushpayload.FraudAlertSubject)
	}
	if got := r.MessageAttributes["event"].StringValue; got != "fraud_alert" {
		t.Errorf("event attribute = %q, want fraud_alert", got)
	}

	var body map[string]string
	if err := json.Unmarshal([]byte(r.Param("Message")), &body); err != nil {
		t.Fatalf("Message does not parse: %v", err)
	}
	want := map[string]string{
		"call_id":     a.CallID,
		"customer_id": "cust-1",
		"agent_id":    "agent-7",
		"call_ref":    "ref-1",
		"reason":      "customer_denied",
		"time":        "2026-03-14T09:26:53Z",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("message %s = %q, want %q", k, body[k], v)
		}
	}
}

func TestAlertFraudFailureIsUnavailable(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	s.FailAll(snstest.Fault{Action: "Publish", Code: "InternalError"})

	err := p.AlertFraud(context.Background(), callsession.FraudAlert{CallID: "call_1", CustomerID: "cust-1", At: now})
	if code := callsession.ErrorCode(err); code != callsession.CodeUnavailable {
		t.Errorf("error code = %q, want %q (err %v)", code, callsession.CodeUnavailable, err)
	}
	if n := len(s.RequestsFor("Publish")); n != snspush.DefaultMaxAttempts {
		t.Errorf("Publish requests = %d, want %d", n, snspush.DefaultMaxAttempts)
	}
}

func TestUnregisterIsIdempotent(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	d := register(t, p, device("cust-1", "phone-1", callsession.PlatformAPNS))
	ctx := context.Background()

	if err := p.Unregister(ctx, d); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if _, ok := s.Endpoint(d.EndpointARN); ok {
		t.Errorf("endpoint still exists after Unregister")
	}
	if err := p.Unregister(ctx, d); err != nil {
		t.Errorf("second Unregister: %v", err)
	}
	// The second call finds the endpoint gone when it reads it, and
	// deletes nothing.
	deletes := s.RequestsFor("DeleteEndpoint")
	if len(deletes) != 1 || deletes[0].Param("EndpointArn") != d.EndpointARN {
		t.Errorf("DeleteEndpoint requests = %d, want 1 for %s", len(deletes), d.EndpointARN)
	}

	d.EndpointARN = ""
	if err := p.Unregister(ctx, d); err != nil {
		t.Errorf("Unregister without an endpoint: %v", err)
	}
	if n := len(s.RequestsFor("DeleteEndpoint")); n != 1 {
		t.Errorf("DeleteEndpoint requests = %d, want still 1", n)
	}
}

// TestUnregisterKeepsTakenOverEndpoint covers an app reinstalled under a
// new device id: the new registration takes the endpoint of the same token
// over, and removing the old device must not delete it.
func TestUnregisterKeepsTakenOverEndpoint(t *testing.T) {
	s := snstest.New(t)
	p := newPusher(t, s)
	old := register(t, p, device("cust-1", "phone-old", callsession.PlatformAPNS))
	reinstalled := device("cust-1", "phone-new", callsession.PlatformAPNS)
	reinstalled.Token = old.Token
	reinstalled = register(t, p, reinstalled)
	if reinstalled.EndpointARN != old.EndpointARN {
		t.Fatalf("reinstall got endpoint %s, want the taken-over %s", reinstalled.EndpointARN, old.EndpointARN)
	}

	if err := p.Unregister(context.Background(), old); err != nil {
		t.Fatalf("Unregister of the old device: %v", err)
	}
	if _, ok := s.Endpoint(reinstalled.EndpointARN); !ok {
		t.Error("endpoint of the reinstalled app was deleted with the old device")
	}
	if n := len(s.RequestsFor("DeleteEndpoint")); n != 0 {
		t.Errorf("DeleteEndpoint requests = %d, want 0", n)
	}
}
