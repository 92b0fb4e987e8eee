package httpapi_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
)

var (
	callIDPattern    = regexp.MustCompile(`^call_[a-z2-7]{26}$`)
	matchCodePattern = regexp.MustCompile(`^[0-9]{2}$`)
)

// checkKeys fails the test unless the object has exactly the keys.
func checkKeys(t *testing.T, name string, object map[string]any, keys ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(object))
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("%s keys: got %v, want %v", name, got, want)
	}
}

func checkJSONHeaders(t *testing.T, res response) {
	t.Helper()
	if got := res.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", got)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
}

func TestStartCallResponse(t *testing.T) {
	e := newEnv(t)

	res := e.do(http.MethodPost, "/v1/calls", agentToken, readFixture(t, "start_call.json"))

	if res.status != http.StatusCreated {
		t.Fatalf("status: got %s, want 201", res)
	}
	checkJSONHeaders(t, res)
	s := decode[map[string]any](t, res)
	checkKeys(t, "session", s, "call_id", "customer_id", "call_ref", "status", "match_code", "agent", "started_at", "answer_by", "push")
	if id, _ := s["call_id"].(string); !callIDPattern.MatchString(id) {
		t.Errorf("call_id: got %v, want %s", s["call_id"], callIDPattern)
	}
	if got := s["customer_id"]; got != alice {
		t.Errorf("customer_id: got %v, want %s", got, alice)
	}
	if got := s["call_ref"]; got != "pbx-2026-000123" {
		t.Errorf("call_ref: got %v, want pbx-2026-000123", got)
	}
	if got := s["status"]; got != "pending" {
		t.Errorf("status: got %v, want pending", got)
	}
	if code, _ := s["match_code"].(string); !matchCodePattern.MatchString(code) {
		t.Errorf("match_code: got %v, want 2 digits", s["match_code"])
	}
	wantAgent := map[string]any{"id": agentID, "display_name": agentName}
	if got, _ := s["agent"].(map[string]any); !maps.Equal(got, wantAgent) {
		t.Errorf("agent: got %v, want %v", s["agent"], wantAgent)
	}
	checkTime(t, "started_at", s["started_at"], startTime)
	checkTime(t, "answer_by", s["answer_by"], startTime.Add(callsession.DefaultConfig().AnswerWindow))
	wantPush := map[string]any{"devices": 0.0, "sent": 0.0, "failed": 0.0}
	if got, _ := s["push"].(map[string]any); !maps.Equal(got, wantPush) {
		t.Errorf("push: got %v, want %v", s["push"], wantPush)
	}
}

func TestStartCallPushOutcome(t *testing.T) {
	disabled := fmt.Errorf("publish: %w", callsession.ErrEndpointDisabled)
	tests := []struct {
		name       string
		devices    []string
		failNotify map[string]error
		// want is the push outcome of the first and of the second call
		// start, as devices, sent, failed.
		want       [2][3]int
		wantPushed []string
	}{
		{name: "no device", want: [2][3]int{{0, 0, 0}, {0, 0, 0}}},
		{name: "one device", devices: []string{"phone-1"}, want: [2][3]int{{1, 1, 0}, {1, 1, 0}}, wantPushed: []string{"phone-1", "phone-1"}},
		{
			name:       "disabled endpoint",
			devices:    []string{"phone-1", "phone-2"},
			failNotify: map[string]error{"phone-2": disabled},
			// The disabled device is marked so and left out of the next push.
			want:       [2][3]int{{2, 1, 1}, {1, 1, 0}},
			wantPushed: []string{"phone-1", "phone-1"},
		},
		{
			name:       "failed publish",
			devices:    []string{"phone-1", "phone-2"},
			failNotify: map[string]error{"phone-1": errors.New("throttled")},
			want:       [2][3]int{{2, 1, 1}, {2, 1, 1}},
			wantPushed: []string{"phone-2", "phone-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.pusher.failNotify = tt.failNotify
			for _, id := range tt.devices {
				addDevice(t, e, alice, id)
			}

			for i, callRef := range []string{"pbx-1", "pbx-2"} {
				call := e.startCall(t, alice, callRef)
				want := map[string]any{"devices": float64(tt.want[i][0]), "sent": float64(tt.want[i][1]), "failed": float64(tt.want[i][2])}
				if got, _ := e.session(t, call.CallID)["push"].(map[string]any); !maps.Equal(got, want) {
					t.Errorf("push of start %d: got %v, want %v", i+1, got, want)
				}
			}

			var pushed []string
			for _, n := range e.pusher.Notifications() {
				pushed = append(pushed, n.Device.DeviceID)
			}
			if !slices.Equal(pushed, tt.wantPushed) {
				t.Errorf("pushed devices: got %v, want %v", pushed, tt.wantPushed)
			}
		})
	}
}

func TestGetCallMatchCode(t *testing.T) {
	tests := []struct {
		name  string
		after func(t *testing.T, e *env, call startedCall)
		// wantCode reports whether the match code is shown.
		wantCode   bool
		wantStatus string
		wantEnd    string
	}{
		{"pending", func(*testing.T, *env, startedCall) {}, true, "pending", ""},
		{"confirmed", func(t *testing.T, e *env, c startedCall) { e.confirm(t, c) }, false, "confirmed", "customer_confirmed"},
		{"denied", func(t *testing.T, e *env, c startedCall) { e.answer(c.CallID, aliceToken, "deny", "") }, false, "denied", "customer_denied"},
		{"unanswered", func(t *testing.T, e *env, c startedCall) { e.clock.Advance(11 * time.Minute) }, false, "expired", "unanswered"},
		{"superseded", func(t *testing.T, e *env, c startedCall) { e.startCall(t, alice, "pbx-2") }, false, "expired", "superseded"},
		{"access over", func(t *testing.T, e *env, c startedCall) {
			e.confirm(t, c)
			e.clock.Advance(callsession.DefaultConfig().AccessWindow)
		}, false, "expired", "access_window_over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")
			tt.after(t, e, call)

			res := e.do(http.MethodGet, "/v1/calls/"+call.CallID, agentToken, "")

			if res.status != http.StatusOK {
				t.Fatalf("status: got %s, want 200", res)
			}
			checkJSONHeaders(t, res)
			s := decode[map[string]any](t, res)
			code, present := s["match_code"]
			if present != tt.wantCode {
				t.Errorf("match_code present: got %v (%v), want %v", present, code, tt.wantCode)
			}
			if tt.wantCode && code != call.MatchCode {
				t.Errorf("match_code: got %v, want %s", code, call.MatchCode)
			}
			if !tt.wantCode && strings.Contains(string(res.body), `"`+call.MatchCode+`"`) {
				t.Errorf("body: got %s, want no match code", res.body)
			}
			if got := s["status"]; got != tt.wantStatus {
				t.Errorf("status: got %v, want %s", got, tt.wantStatus)
			}
			if got, _ := s["end_reason"].(string); got != tt.wantEnd {
				t.Errorf("end_reason: got %q, want %q", got, tt.wantEnd)
			}
		})
	}
}

func TestConfirmedCallTimes(t *testing.T) {
	e := newEnv(t)
	call := e.startCall(t, alice, "pbx-1")
	e.clock.Advance(42 * time.Second)
	answeredAt := startTime.Add(42 * time.Second)
	accessUntil := answeredAt.Add(callsession.DefaultConfig().AccessWindow)

	res := e.answer(call.CallID, aliceToken, "confirm", call.MatchCode)

	if res.status != http.StatusOK {
		t.Fatalf("status: got %s, want 200", res)
	}
	checkJSONHeaders(t, res)
	a := decode[map[string]any](t, res)
	checkKeys(t, "answer", a, "call_id", "status", "end_reason", "answered_at", "access_until")
	if got := a["call_id"]; got != call.CallID {
		t.Errorf("call_id: got %v, want %s", got, call.CallID)
	}
	if got := a["status"]; got != "confirmed" {
		t.Errorf("status: got %v, want confirmed", got)
	}
	checkTime(t, "answered_at", a["answered_at"], answeredAt)
	checkTime(t, "access_until", a["access_until"], accessUntil)

	s := e.session(t, call.CallID)
	checkTime(t, "session answered_at", s["answered_at"], answeredAt)
	checkTime(t, "session access_until", s["access_until"], accessUntil)
}

func TestGateDecisions(t *testing.T) {
	fields := []string{"freeze_card", "balance", "name_on_file", "favourite_colour", "latest_transactions", "balance"}
	tests := []struct {
		name       string
		after      func(t *testing.T, e *env, call startedCall)
		wantStatus string
		// sensitive is the decision for balance and latest_transactions.
		sensitive decisionJSON
	}{
		{"pending", func(*testing.T, *env, startedCall) {}, "pending", decisionJSON{Reason: "awaiting_customer"}},
		{"confirmed", func(t *testing.T, e *env, c startedCall) { e.confirm(t, c) }, "confirmed", decisionJSON{Allowed: true, Reason: "customer_confirmed"}},
		{"denied", func(t *testing.T, e *env, c startedCall) { e.answer(c.CallID, aliceToken, "deny", "") }, "denied", decisionJSON{Reason: "customer_denied"}},
		{"unanswered", func(t *testing.T, e *env, c startedCall) { e.clock.Advance(10 * time.Minute) }, "expired", decisionJSON{Reason: "session_expired"}},
		{"access over", func(t *testing.T, e *env, c startedCall) {
			e.confirm(t, c)
			e.clock.Advance(time.Hour)
		}, "expired", decisionJSON{Reason: "session_expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")
			tt.after(t, e, call)
			body := fmt.Sprintf(`{"fields": [%q, %q, %q, %q, %q, %q]}`, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])

			res := e.do(http.MethodPost, "/v1/calls/"+call.CallID+"/gate", agentToken, body)

			if res.status != http.StatusOK {
				t.Fatalf("status: got %s, want 200", res)
			}
			checkJSONHeaders(t, res)
			got := decode[gateJSON](t, res)
			if got.CallID != call.CallID {
				t.Errorf("call_id: got %q, want %q", got.CallID, call.CallID)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("status: got %q, want %q", got.Status, tt.wantStatus)
			}
			sensitive := func(f string) decisionJSON {
				d := tt.sensitive
				d.Field = f
				return d
			}
			want := []decisionJSON{
				{Field: "freeze_card", Allowed: true, Reason: "emergency_action"},
				sensitive("balance"),
				{Field: "name_on_file", Allowed: true, Reason: "public_field"},
				{Field: "favourite_colour", Allowed: false, Reason: "unknown_field"},
				sensitive("latest_transactions"),
				sensitive("balance"),
			}
			if !slices.Equal(got.Decisions, want) {
				t.Errorf("decisions:\ngot  %+v\nwant %+v", got.Decisions, want)
			}
		})
	}
}

func TestGateFixture(t *testing.T) {
	e := newEnv(t)
	call := e.startCall(t, alice, "pbx-1")

	res := e.do(http.MethodPost, "/v1/calls/"+call.CallID+"/gate", agentToken, readFixture(t, "gate_request.json"))

	if res.status != http.StatusOK {
		t.Fatalf("status: got %s, want 200", res)
	}
	g := decode[map[string]any](t, res)
	checkKeys(t, "gate", g, "call_id", "status", "decisions")
	decisions, _ := g["decisions"].([]any)
	if len(decisions) != 2 {
		t.Fatalf("decisions: got %v, want 2", g["decisions"])
	}
	for i, d := range decisions {
		object, _ := d.(map[string]any)
		checkKeys(t, fmt.Sprintf("decision %d", i), object, "field", "allowed", "reason")
	}
}

type decisionJSON struct {
	Field   string `json:"field"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

type gateJSON struct {
	CallID    string         `json:"call_id"`
	Status    string         `json:"status"`
	Decisions []decisionJSON `json:"decisions"`
}

func TestHistory(t *testing.T) {
	e := newEnv(t)
	old := e.startCall(t, alice, "pbx-1")
	e.clock.Advance(2 * time.Minute)
	current := e.startCall(t, alice, "pbx-2")
	e.clock.Advance(time.Minute)
	e.confirm(t, current)
	e.clock.Advance(time.Minute)
	gatedAt := e.clock.Now()
	gate := e.do(http.MethodPost, "/v1/calls/"+current.CallID+"/gate", agentToken, `{"fields": ["balance", "name_on_file", "freeze_card", "direct_debits"]}`)
	if gate.status != http.StatusOK {
		t.Fatalf("gate: got %s, want 200", gate)
	}
	e.startCall(t, bob, "pbx-3")

	res := e.do(http.MethodGet, "/v1/me/calls", aliceToken, "")

	if res.status != http.StatusOK {
		t.Fatalf("status: got %s, want 200", res)
	}
	checkJSONHeaders(t, res)
	for _, secret := range []string{old.MatchCode, current.MatchCode} {
		if strings.Contains(string(res.body), `"`+secret+`"`) {
			t.Errorf("body: got %s, want no match code", res.body)
		}
	}
	for _, internal := range []string{agentID, devauth.AgentPrincipal, "match_code", "pbx-"} {
		if strings.Contains(string(res.body), internal) {
			t.Errorf("body: got %s, want no %q", res.body, internal)
		}
	}

	h := decode[map[string]any](t, res)
	checkKeys(t, "history", h, "customer_id", "calls")
	if got := h["customer_id"]; got != alice {
		t.Errorf("customer_id: got %v, want %s", got, alice)
	}
	calls, _ := h["calls"].([]any)
	if len(calls) != 2 {
		t.Fatalf("calls: got %d, want Alice's 2 in %s", len(calls), res.body)
	}

	newest, _ := calls[0].(map[string]any)
	checkKeys(t, "newest call", newest, "call_id", "status", "end_reason", "agent_display_name", "started_at", "answer_by", "answered_at", "access_until", "disclosed")
	if got := newest["call_id"]; got != current.CallID {
		t.Errorf("newest call_id: got %v, want %s", got, current.CallID)
	}
	if got := newest["status"]; got != "confirmed" {
		t.Errorf("newest status: got %v, want confirmed", got)
	}
	if got := newest["agent_display_name"]; got != agentName {
		t.Errorf("newest agent_display_name: got %v, want %s", got, agentName)
	}
	wantDisclosed := []any{
		map[string]any{"field": "balance", "agent_display_name": agentName, "at": gatedAt.UTC().Format("2006-01-02T15:04:05.000Z")},
		map[string]any{"field": "direct_debits", "agent_display_name": agentName, "at": gatedAt.UTC().Format("2006-01-02T15:04:05.000Z")},
	}
	if !reflect.DeepEqual(newest["disclosed"], wantDisclosed) {
		t.Errorf("newest disclosed: got %v, want %v", newest["disclosed"], wantDisclosed)
	}

	oldest, _ := calls[1].(map[string]any)
	if got := oldest["call_id"]; got != old.CallID {
		t.Errorf("oldest call_id: got %v, want %s", got, old.CallID)
	}
	if got := oldest["end_reason"]; got != "superseded" {
		t.Errorf("oldest end_reason: got %v, want superseded", got)
	}
	if got, ok := oldest["disclosed"].([]any); !ok || len(got) != 0 {
		t.Errorf("oldest disclosed: got %v, want []", oldest["disclosed"])
	}
	checkTime(t, "oldest started_at", oldest["started_at"], startTime)

	t.Run("other customer", func(t *testing.T) {
		res := e.do(http.MethodGet, "/v1/me/calls", bobToken, "")
		h := decode[map[string]any](t, res)
		calls, _ := h["calls"].([]any)
		if len(calls) != 1 {
			t.Errorf("Bob's calls: got %v, want his 1", h["calls"])
		}
	})
}

func TestHistoryEmpty(t *testing.T) {
	e := newEnv(t)

	res := e.do(http.MethodGet, "/v1/me/calls", bobToken, "")

	if res.status != http.StatusOK {
		t.Fatalf("status: got %s, want 200", res)
	}
	if got, want := strings.TrimSpace(string(res.body)), `{"customer_id":"cus_0002","calls":[]}`; got != want {
		t.Errorf("body: got %s, want %s", got, want)
	}
}

func TestPutDevice(t *testing.T) {
	e := newEnv(t)
	const token = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

	res := e.do(http.MethodPut, "/v1/me/devices/phone-1", aliceToken, readFixture(t, "device_apns.json"))

	if res.status != http.StatusOK {
		t.Fatalf("status: got %s, want 200", res)
	}
	checkJSONHeaders(t, res)
	for _, secret := range []string{token, "arn:aws:sns"} {
		if strings.Contains(string(res.body), secret) {
			t.Errorf("body: got %s, want no %q", res.body, secret)
		}
	}
	d := decode[map[string]any](t, res)
	checkKeys(t, "device", d, "device_id", "platform", "enabled", "updated_at")
	if got := d["device_id"]; got != "phone-1" {
		t.Errorf("device_id: got %v, want phone-1", got)
	}
	if got := d["platform"]; got != "APNS" {
		t.Errorf("platform: got %v, want APNS", got)
	}
	if got := d["enabled"]; got != true {
		t.Errorf("enabled: got %v, want true", got)
	}
	checkTime(t, "updated_at", d["updated_at"], startTime)

	registered := e.pusher.Registered()
	if len(registered) != 1 {
		t.Fatalf("registered endpoints: got %d, want 1", len(registered))
	}
	if got := registered[0]; got.CustomerID != alice || got.Token != token || got.Platform != callsession.PlatformAPNS {
		t.Errorf("registered device: got %+v, want Alice's APNS token", got)
	}

	// The next call start pushes to the registered device.
	call := e.startCall(t, alice, "pbx-1")
	pushed := e.pusher.Notifications()
	if len(pushed) != 1 || pushed[0].Device.DeviceID != "phone-1" || pushed[0].Notification.CallID != call.CallID {
		t.Errorf("pushes: got %+v, want one to phone-1 for %s", pushed, call.CallID)
	}
}

func TestDeleteDevice(t *testing.T) {
	e := newEnv(t)
	addDevice(t, e, alice, "phone-1")

	res := e.do(http.MethodDelete, "/v1/me/devices/phone-1", aliceToken, "")

	if res.status != http.StatusNoContent {
		t.Fatalf("status: got %s, want 204", res)
	}
	if len(res.body) != 0 {
		t.Errorf("body: got %q, want none", res.body)
	}
	unregistered := e.pusher.Unregistered()
	if len(unregistered) != 1 || unregistered[0].DeviceID != "phone-1" {
		t.Errorf("deleted endpoints: got %+v, want phone-1", unregistered)
	}

	again := e.do(http.MethodDelete, "/v1/me/devices/phone-1", aliceToken, "")
	checkProblem(t, again, http.StatusNotFound, "not_found")

	e.startCall(t, alice, "pbx-1")
	if got := e.pusher.Notifications(); len(got) != 0 {
		t.Errorf("pushes after delete: got %d, want none", len(got))
	}
}
