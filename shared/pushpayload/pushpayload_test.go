package pushpayload_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var platforms = []callsession.Platform{
	callsession.PlatformAPNS,
	callsession.PlatformAPNSSandbox,
	callsession.PlatformGCM,
}

// matchCode is a code that appears nowhere else in the test notification, so
// finding it in a payload would prove a leak.
const matchCode = "918273"

func testNotification() callsession.Notification {
	started := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	return callsession.Notification{
		CallID:    "call_abcdefghijklmnopqrstuvwxyz",
		AgentName: "Priya at Example Bank",
		StartedAt: started,
		AnswerBy:  started.Add(10 * time.Minute),
		TTL:       10 * time.Minute,
	}
}

// decode parses the SNS message of p and the payload of platform, failing
// the test when either is not JSON of the expected shape.
func decode(t *testing.T, p pushpayload.Publish, platform callsession.Platform) (map[string]string, map[string]any) {
	t.Helper()
	var outer map[string]string
	if err := json.Unmarshal([]byte(p.Message), &outer); err != nil {
		t.Fatalf("message is not a JSON object of strings: %v\n%s", err, p.Message)
	}
	var inner map[string]any
	if err := json.Unmarshal([]byte(outer[string(platform)]), &inner); err != nil {
		t.Fatalf("%s payload is not a JSON object: %v\n%s", platform, err, outer[string(platform)])
	}
	return outer, inner
}

// customKeys returns the keys that carry the call: the top level of an APNs
// payload, the data map of an FCM one.
func customKeys(t *testing.T, platform callsession.Platform, inner map[string]any) map[string]any {
	t.Helper()
	if platform != callsession.PlatformGCM {
		return inner
	}
	v1, _ := inner["fcmV1Message"].(map[string]any)
	message, _ := v1["message"].(map[string]any)
	data, ok := message["data"].(map[string]any)
	if !ok {
		t.Fatalf("GCM payload has no fcmV1Message.message.data object: %v", inner)
	}
	return data
}

func TestNotificationShape(t *testing.T) {
	n := testNotification()
	for _, platform := range platforms {
		t.Run(string(platform), func(t *testing.T) {
			p, err := pushpayload.Notification(platform, n)
			if err != nil {
				t.Fatalf("Notification: %v", err)
			}
			if p.MessageStructure != "json" {
				t.Errorf("MessageStructure = %q, want %q", p.MessageStructure, "json")
			}

			outer, inner := decode(t, p, platform)
			if len(outer) != 2 {
				t.Errorf("message keys = %v, want only default and %s", outer, platform)
			}
			if outer["default"] != pushpayload.AlertBody {
				t.Errorf("default = %q, want %q", outer["default"], pushpayload.AlertBody)
			}

			keys := customKeys(t, platform, inner)
			want := map[string]string{
				"call_id":    n.CallID,
				"agent_name": n.AgentName,
				"started_at": "2026-03-14T09:26:53Z",
				"answer_by":  "2026-03-14T09:36:53Z",
			}
			for k, v := range want {
				if keys[k] != v {
					t.Errorf("%s = %v, want %q", k, keys[k], v)
				}
			}
		})
	}
}

func TestNotificationAPNSCategory(t *testing.T) {
	p, err := pushpayload.Notification(callsession.PlatformAPNS, testNotification())
	if err != nil {
		t.Fatalf("Notification: %v", err)
	}
	_, inner := decode(t, p, callsession.PlatformAPNS)

	aps, ok := inner["aps"].(map[string]any)
	if !ok {
		t.Fatalf("APNS payload has no aps dictionary: %v", inner)
	}
	if aps["category"] != pushpayload.Category {
		t.Errorf("aps.category = %v, want %q", aps["category"], pushpayload.Category)
	}
	alert, _ := aps["alert"].(map[string]any)
	if alert["body"] != pushpayload.AlertBody {
		t.Errorf("aps.alert.body = %v, want %q", alert["body"], pushpayload.AlertBody)
	}
}

func TestNotificationLockScreenIsGeneric(t *testing.T) {
	n := testNotification()
	for _, platform := range platforms {
		p, err := pushpayload.Notification(platform, n)
		if err != nil {
			t.Fatalf("Notification(%s): %v", platform, err)
		}
		_, inner := decode(t, p, platform)

		var alert map[string]any
		if platform == callsession.PlatformGCM {
			v1 := inner["fcmV1Message"].(map[string]any)
			alert = v1["message"].(map[string]any)["notification"].(map[string]any)
		} else {
			alert = inner["aps"].(map[string]any)["alert"].(map[string]any)
		}
		for field, text := range alert {
			if strings.Contains(text.(string), "Priya") || strings.Contains(text.(string), n.CallID) {
				t.Errorf("%s lock screen %s = %q, want generic text", platform, field, text)
			}
		}
	}
}

func TestNotificationHasNoMatchCode(t *testing.T) {
	n := testNotification()
	for _, platform := range platforms {
		p, err := pushpayload.Notification(platform, n)
		if err != nil {
			t.Fatalf("Notification(%s): %v", platform, err)
		}
		all, _ := json.Marshal(p)
		for _, leak := range []string{matchCode, "match_code", "matchCode", "match code"} {
			if strings.Contains(string(all), leak) {
				t.Errorf("%s publish contains %q: %s", platform, leak, all)
			}
		}
	}
}

func TestNotificationTTLEqualsWindow(t *testing.T) {
	n := testNotification()
	tests := []struct {
		platform callsession.Platform
		ttlName  string
	}{
		{callsession.PlatformAPNS, pushpayload.AttributeAPNSTTL},
		{callsession.PlatformAPNSSandbox, pushpayload.AttributeAPNSSandboxTTL},
		{callsession.PlatformGCM, pushpayload.AttributeFCMTTL},
	}
	for _, tt := range tests {
		t.Run(string(tt.platform), func(t *testing.T) {
			p, err := pushpayload.Notification(tt.platform, n)
			if err != nil {
				t.Fatalf("Notification: %v", err)
			}
			got, ok := p.Attributes[tt.ttlName]
			if !ok {
				t.Fatalf("attributes %v have no %s", p.Attributes, tt.ttlName)
			}
			if got.StringValue != "600" || got.DataType != "String" {
				t.Errorf("%s = %+v, want String 600", tt.ttlName, got)
			}
			if tt.platform == callsession.PlatformGCM {
				_, inner := decode(t, p, tt.platform)
				android := inner["fcmV1Message"].(map[string]any)["message"].(map[string]any)["android"].(map[string]any)
				if android["ttl"] != "600s" {
					t.Errorf("android.ttl = %v, want 600s", android["ttl"])
				}
				if android["priority"] != "high" {
					t.Errorf("android.priority = %v, want high", android["priority"])
				}
				return
			}
			if v := p.Attributes[pushpayload.AttributeAPNSPushType].StringValue; v != "alert" {
				t.Errorf("%s = %q, want alert", pushpayload.AttributeAPNSPushType, v)
			}
			if v := p.Attributes[pushpayload.AttributeAPNSPriority].StringValue; v != "10" {
				t.Errorf("%s = %q, want 10", pushpayload.AttributeAPNSPriority, v)
			}
		})
	}
}

func TestNotificationTrimsLongAgentName(t *testing.T) {
	names := map[string]string{
		"two-byte":    strings.Repeat("é", 10_000),
		"three-byte":  strings.Repeat("界", 10_000),
		"four-byte":   strings.Repeat("😀", 10_000),
		"mixed":       strings.Repeat("aé界😀<&\"\\\n", 1_000),
		"invalid":     strings.Repeat("ab\xff\xfe", 2_500),
		"one-escaped": strings.Repeat("\x01", 10_000),
	}
	for label, name := range names {
		for _, platform := range platforms {
			t.Run(label+"/"+string(platform), func(t *testing.T) {
				n := testNotification()
				n.AgentName = name
				p, err := pushpayload.Notification(platform, n)
				if err != nil {
					t.Fatalf("Notification: %v", err)
				}
				outer, inner := decode(t, p, platform)
				payload := outer[string(platform)]
				if len(payload) > pushpayload.MaxPayloadBytes {
					t.Errorf("payload is %d bytes, want at most %d", len(payload), pushpayload.MaxPayloadBytes)
				}
				if len(payload) < pushpayload.MaxPayloadBytes-64 {
					t.Errorf("payload is %d bytes, want close to %d: the name was trimmed too far", len(payload), pushpayload.MaxPayloadBytes)
				}
				if !utf8.ValidString(payload) {
					t.Errorf("payload is not valid UTF-8")
				}

				got, _ := customKeys(t, platform, inner)["agent_name"].(string)
				if !strings.HasSuffix(got, "…") {
					t.Errorf("trimmed agent name does not end with an ellipsis: %q", got[max(0, len(got)-20):])
				}
				prefix := []rune(strings.TrimSuffix(got, "…"))
				original := []rune(name)
				if len(prefix) == 0 || string(original[:len(prefix)]) != string(prefix) {
					t.Errorf("trimmed agent name is not a prefix of the original name")
				}
			})
		}
	}
}

func TestNotificationKeepsShortAgentName(t *testing.T) {
	n := testNotification()
	n.AgentName = "Zoë O'Brien & <Co>"
	for _, platform := range platforms {
		p, err := pushpayload.Notification(platform, n)
		if err != nil {
			t.Fatalf("Notification(%s): %v", platform, err)
		}
		_, inner := decode(t, p, platform)
		if got := customKeys(t, platform, inner)["agent_name"]; got != n.AgentName {
			t.Errorf("%s agent_name = %q, want %q", platform, got, n.AgentName)
		}
	}
}

func TestNotificationRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name     string
		platform callsession.Platform
		edit     func(*callsession.Notification)
	}{
		{"unknown platform", "ADM", func(*callsession.Notification) {}},
		{"empty platform", "", func(*callsession.Notification) {}},
		{"missing call id", callsession.PlatformAPNS, func(n *callsession.Notification) { n.CallID = "" }},
		{"zero TTL", callsession.PlatformGCM, func(n *callsession.Notification) { n.TTL = 0 }},
		{"sub-second TTL", callsession.PlatformGCM, func(n *callsession.Notification) { n.TTL = 999 * time.Millisecond }},
		{"call id over the limit", callsession.PlatformAPNS, func(n *callsession.Notification) { n.CallID = strings.Repeat("c", 5000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification()
			tt.edit(&n)
			if _, err := pushpayload.Notification(tt.platform, n); err == nil {
				t.Errorf("Notification returned no error, want one")
			}
		})
	}
}

func TestNotificationGolden(t *testing.T) {
	n := testNotification()
	for _, platform := range platforms {
		t.Run(string(platform), func(t *testing.T) {
			p, err := pushpayload.Notification(platform, n)
			if err != nil {
				t.Fatalf("Notification: %v", err)
			}
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatalf("marshal publish: %v", err)
			}
			got = append(got, '\n')
			compareGolden(t, "notification_"+string(platform)+".json", got)
		})
	}
}

func TestFraudAlert(t *testing.T) {
	london := time.FixedZone("BST", 3600)
	a := callsession.FraudAlert{
		CallID:     "call_abcdefghijklmnopqrstuvwxyz",
		CustomerID: "cust-42",
		AgentID:    "agent-7",
		CallRef:    "ref-2026-001",
		Reason:     callsession.EndCustomerDenied,
		At:         time.Date(2026, 3, 14, 10, 30, 0, 0, london),
	}
	p, err := pushpayload.FraudAlert(a)
	if err != nil {
		t.Fatalf("FraudAlert: %v", err)
	}
	if p.MessageStructure != "" {
		t.Errorf("MessageStructure = %q, want empty", p.MessageStructure)
	}
	if p.Subject == "" {
		t.Errorf("Subject is empty, want a subject line")
	}

	var got map[string]string
	if err := json.Unmarshal([]byte(p.Message), &got); err != nil {
		t.Fatalf("message is not a JSON object of strings: %v", err)
	}
	want := map[string]string{
		"event":       "fraud_alert",
		"call_id":     a.CallID,
		"customer_id": a.CustomerID,
		"agent_id":    a.AgentID,
		"call_ref":    a.CallRef,
		"reason":      "customer_denied",
		"time":        "2026-03-14T09:30:00Z",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("message has keys %v, want exactly %d", got, len(want))
	}
	if v := p.Attributes[pushpayload.AttributeEvent]; v.StringValue != "fraud_alert" {
		t.Errorf("attribute %s = %+v, want fraud_alert", pushpayload.AttributeEvent, v)
	}
}

func TestFraudAlertRejectsMissingFields(t *testing.T) {
	full := callsession.FraudAlert{CallID: "call_1", CustomerID: "cust-1", At: time.Now()}
	tests := []struct {
		name string
		edit func(*callsession.FraudAlert)
	}{
		{"call id", func(a *callsession.FraudAlert) { a.CallID = "" }},
		{"customer id", func(a *callsession.FraudAlert) { a.CustomerID = "" }},
		{"time", func(a *callsession.FraudAlert) { a.At = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := full
			tt.edit(&a)
			if _, err := pushpayload.FraudAlert(a); err == nil {
				t.Errorf("FraudAlert without %s returned no error, want one", tt.name)
			}
		})
	}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("publish differs from %s (run go test -update after checking the change):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
