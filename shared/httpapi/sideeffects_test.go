package httpapi_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func TestFraudAlert(t *testing.T) {
	t.Run("deny sends at least one", func(t *testing.T) {
		e := newEnv(t)
		addDevice(t, e, alice, "phone-1")
		call := e.startCall(t, alice, "pbx-1")
		e.clock.Advance(20 * time.Second)

		res := e.answer(call.CallID, aliceToken, "deny", "")

		if res.status != http.StatusOK {
			t.Fatalf("status: got %s, want 200", res)
		}
		a := decode[map[string]any](t, res)
		if got := a["status"]; got != "denied" {
			t.Errorf("status: got %v, want denied", got)
		}
		if got := a["end_reason"]; got != "customer_denied" {
			t.Errorf("end_reason: got %v, want customer_denied", got)
		}
		want := callsession.FraudAlert{
			CallID:     call.CallID,
			CustomerID: alice,
			AgentID:    agentID,
			CallRef:    "pbx-1",
			Reason:     callsession.EndCustomerDenied,
			At:         startTime.Add(20 * time.Second),
		}
		alerts := e.pusher.Alerts()
		if len(alerts) != 1 {
			t.Fatalf("fraud alerts: got %d, want 1", len(alerts))
		}
		if got := alerts[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("fraud alert: got %+v, want %+v", got, want)
		}

		// A repeated deny changes nothing and sends the same alert again:
		// fraud alerts are at least once.
		e.answer(call.CallID, aliceToken, "deny", "")
		alerts = e.pusher.Alerts()
		if len(alerts) != 2 {
			t.Fatalf("fraud alerts after a repeated deny: got %d, want 2", len(alerts))
		}
		if !reflect.DeepEqual(alerts[1], want) {
			t.Errorf("repeated fraud alert: got %+v, want %+v", alerts[1], want)
		}
	})

	t.Run("confirm sends none", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")

		e.confirm(t, call)
		e.answer(call.CallID, aliceToken, "confirm", call.MatchCode)

		if got := e.pusher.Alerts(); len(got) != 0 {
			t.Errorf("fraud alerts: got %v, want none", got)
		}
	})

	t.Run("wrong codes send one", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")

		for range callsession.DefaultConfig().MaxWrongCodes {
			e.answer(call.CallID, aliceToken, "confirm", wrongCode(t, call.MatchCode))
		}

		alerts := e.pusher.Alerts()
		if len(alerts) != 1 {
			t.Fatalf("fraud alerts: got %d, want 1", len(alerts))
		}
		if got := alerts[0].Reason; got != callsession.EndWrongMatchCodes {
			t.Errorf("fraud alert reason: got %q, want %q", got, callsession.EndWrongMatchCodes)
		}
	})
}

func TestPushCarriesNoMatchCode(t *testing.T) {
	e := newEnv(t)
	cfg := callsession.DefaultConfig()

	// Many starts, so that many different match codes are checked.
	for i := range 20 {
		customerID := fmt.Sprintf("cus_%04d", 100+i)
		addDevice(t, e, customerID, "phone-1")
		call := e.startCall(t, customerID, fmt.Sprintf("pbx-%d", i))

		pushed := e.pusher.Notifications()
		if len(pushed) != i+1 {
			t.Fatalf("pushes after start %d: got %d, want %d", i+1, len(pushed), i+1)
		}
		got := pushed[i]
		if got.Device.CustomerID != customerID || got.Device.DeviceID != "phone-1" {
			t.Errorf("push %d device: got %s/%s, want %s/phone-1", i, got.Device.CustomerID, got.Device.DeviceID, customerID)
		}
		now := e.clock.Now()
		want := callsession.Notification{
			CallID:    call.CallID,
			AgentName: agentName,
			StartedAt: now,
			AnswerBy:  now.Add(cfg.AnswerWindow),
			TTL:       cfg.AnswerWindow,
		}
		if !reflect.DeepEqual(got.Notification, want) {
			t.Errorf("push %d: got %+v, want %+v", i, got.Notification, want)
		}
		checkNoMatchCode(t, got.Notification, call.MatchCode)
		e.clock.Advance(time.Second)
	}
}

// checkNoMatchCode fails the test if a string field of n is the match code.
// Together with the comparison against the expected notification, this
// catches a field added to carry the code. Substrings are not checked,
// because a 2-digit code turns up in random call ids by chance.
func checkNoMatchCode(t *testing.T, n callsession.Notification, code string) {
	t.Helper()
	v := reflect.ValueOf(n)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type.Kind() == reflect.String && v.Field(i).String() == code {
			t.Errorf("push field %s: got %q, the match code", f.Name, code)
		}
	}
}
