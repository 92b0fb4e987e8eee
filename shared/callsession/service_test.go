package callsession_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
)

// serviceFixture is a Service on a memstore with a recording pusher and a
// fake clock at t0.
type serviceFixture struct {
	svc    *callsession.Service
	store  *memstore.Store
	pusher *recordingPusher
	clock  *fakeClock
}

func newServiceFixture(t *testing.T) *serviceFixture {
	t.Helper()
	f := &serviceFixture{
		store:  memstore.New(),
		pusher: &recordingPusher{},
		clock:  newFakeClock(t0),
	}
	f.svc = callsession.NewService(f.store, callsession.DefaultConfig(),
		callsession.WithPusher(f.pusher),
		callsession.WithClock(f.clock),
		callsession.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	return f
}

// addDevice stores a device of customerCaller directly in the store.
func (f *serviceFixture) addDevice(t *testing.T, deviceID string, enabled bool) {
	t.Helper()
	d := callsession.Device{
		CustomerID:  customerCaller.ID,
		DeviceID:    deviceID,
		Platform:    callsession.PlatformAPNS,
		Token:       "token-" + deviceID,
		EndpointARN: "arn:aws:sns:eu-west-2:000000000000:endpoint/APNS/test/" + deviceID,
		Enabled:     enabled,
		UpdatedAt:   t0,
	}
	if err := f.store.PutDevice(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// start starts a call session for customerCaller and fails the test on error.
func (f *serviceFixture) start(t *testing.T, callRef string) callsession.Session {
	t.Helper()
	res, err := f.svc.Start(context.Background(), agentCaller, startRequest(callRef))
	if err != nil {
		t.Fatalf("start %s: got error %v, want none", callRef, err)
	}
	return res.Session
}

// stored reads a session straight from the store.
func (f *serviceFixture) stored(t *testing.T, callID string) callsession.Session {
	t.Helper()
	s, err := f.store.Session(context.Background(), callID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *serviceFixture) answer(callID string, a callsession.Answer, code string) (callsession.AnswerResult, error) {
	req := callsession.AnswerRequest{CallID: callID, Answer: a, MatchCode: code}
	return f.svc.Answer(context.Background(), customerCaller, req)
}

// wrongCode returns a match code of the same length that differs from code.
func wrongCode(code string) string {
	if code[0] == '9' {
		return "0" + code[1:]
	}
	return string(code[0]+1) + code[1:]
}

func TestServiceCallers(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	anonymous := callsession.Caller{}
	agentWithoutID := callsession.Caller{Kind: callsession.CallerAgent}

	tests := []struct {
		name string
		call func(c callsession.Caller) error
		// bad is an authenticated caller of the wrong kind.
		bad callsession.Caller
	}{
		{"start", func(c callsession.Caller) error {
			_, err := f.svc.Start(ctx, c, startRequest("pbx-2"))
			return err
		}, customerCaller},
		{"session", func(c callsession.Caller) error {
			_, err := f.svc.Session(ctx, c, sess.CallID)
			return err
		}, customerCaller},
		{"gate", func(c callsession.Caller) error {
			_, err := f.svc.Gate(ctx, c, sess.CallID, []string{"name_on_file"})
			return err
		}, customerCaller},
		{"answer", func(c callsession.Caller) error {
			_, err := f.svc.Answer(ctx, c, callsession.AnswerRequest{CallID: sess.CallID, Answer: callsession.AnswerDeny})
			return err
		}, agentCaller},
		{"history", func(c callsession.Caller) error {
			_, err := f.svc.History(ctx, c)
			return err
		}, agentCaller},
		{"register device", func(c callsession.Caller) error {
			_, err := f.svc.RegisterDevice(ctx, c, callsession.Device{DeviceID: "p1", Platform: callsession.PlatformGCM, Token: "tok"})
			return err
		}, agentCaller},
		{"remove device", func(c callsession.Caller) error {
			return f.svc.RemoveDevice(ctx, c, "p1")
		}, agentCaller},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/wrong kind", func(t *testing.T) {
			checkCode(t, tt.call(tt.bad), callsession.CodeForbidden)
		})
		t.Run(tt.name+"/anonymous", func(t *testing.T) {
			checkCode(t, tt.call(anonymous), callsession.CodeUnauthenticated)
		})
		t.Run(tt.name+"/agent without id", func(t *testing.T) {
			checkCode(t, tt.call(agentWithoutID), callsession.CodeUnauthenticated)
		})
	}

	// None of the refused calls changed the session or pushed anything.
	if got := f.stored(t, sess.CallID); got.Status != callsession.StatusPending {
		t.Errorf("got status %q, want %q", got.Status, callsession.StatusPending)
	}
	if n := len(f.pusher.Notified()); n != 0 {
		t.Errorf("got %d notifications, want 0 for a customer with no devices", n)
	}
	if n := len(f.pusher.Alerts()); n != 0 {
		t.Errorf("got %d fraud alerts, want 0", n)
	}
}

func TestServiceStartInvalid(t *testing.T) {
	f := newServiceFixture(t)
	req := startRequest("pbx 1")

	_, err := f.svc.Start(context.Background(), agentCaller, req)
	checkCode(t, err, callsession.CodeInvalid)
}

func TestServiceStartWithoutPusher(t *testing.T) {
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithClock(newFakeClock(t0)),
		callsession.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))

	_, err := svc.Start(context.Background(), agentCaller, startRequest("pbx-1"))
	checkCode(t, err, callsession.CodeInternal)
}

func TestServiceStartPushesEnabledDevices(t *testing.T) {
	f := newServiceFixture(t)
	f.addDevice(t, "phone-a", true)
	f.addDevice(t, "phone-b", false)
	f.addDevice(t, "phone-c", true)

	res, err := f.svc.Start(context.Background(), agentCaller, startRequest("pbx-1"))
	checkCode(t, err, "")
	sess := res.Session

	if !res.Created {
		t.Errorf("got created false, want true")
	}
	want := callsession.PushOutcome{Devices: 2, Sent: 2, Failed: 0}
	if sess.Push != want {
		t.Errorf("got push outcome %+v, want %+v", sess.Push, want)
	}
	if got := f.stored(t, sess.CallID).Push; got != want {
		t.Errorf("got stored push outcome %+v, want %+v", got, want)
	}
	if !f.stored(t, sess.CallID).PushedAt.Equal(t0) {
		t.Errorf("got stored pushed_at %s, want %s", f.stored(t, sess.CallID).PushedAt, t0)
	}

	var pushedTo []string
	for _, p := range f.pusher.Notified() {
		pushedTo = append(pushedTo, p.Device.DeviceID)
		n := p.Notification
		wantN := callsession.Notification{
			CallID:    sess.CallID,
			AgentName: testAgent.DisplayName,
			StartedAt: t0,
			AnswerBy:  t0.Add(10 * time.Minute),
			TTL:       10 * time.Minute,
		}
		if n != wantN {
			t.Errorf("device %s: got notification %+v, want %+v", p.Device.DeviceID, n, wantN)
		}
	}
	slices.Sort(pushedTo)
	if want := []string{"phone-a", "phone-c"}; !slices.Equal(pushedTo, want) {
		t.Errorf("got pushes to %v, want %v", pushedTo, want)
	}
}

func TestServiceStartDisabledEndpoint(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	f.addDevice(t, "phone-gone", true)
	f.addDevice(t, "phone-ok", true)
	f.pusher.notifyErrs = map[string]error{
		"phone-gone": fmt.Errorf("publish to endpoint: %w", callsession.ErrEndpointDisabled),
	}

	sess := f.start(t, "pbx-1")

	want := callsession.PushOutcome{Devices: 2, Sent: 1, Failed: 1}
	if sess.Push != want {
		t.Errorf("got push outcome %+v, want %+v", sess.Push, want)
	}
	devices, err := f.store.Devices(ctx, customerCaller.ID)
	checkCode(t, err, "")
	enabled := make(map[string]bool)
	for _, d := range devices {
		enabled[d.DeviceID] = d.Enabled
	}
	if enabled["phone-gone"] {
		t.Errorf("got phone-gone enabled, want it marked disabled")
	}
	if !enabled["phone-ok"] {
		t.Errorf("got phone-ok disabled, want it still enabled")
	}

	// The next call start no longer pushes to the disabled device.
	f.clock.Advance(time.Minute)
	next := f.start(t, "pbx-2")
	if want := (callsession.PushOutcome{Devices: 1, Sent: 1}); next.Push != want {
		t.Errorf("got next push outcome %+v, want %+v", next.Push, want)
	}
}

func TestServiceStartPushFailure(t *testing.T) {
	f := newServiceFixture(t)
	f.addDevice(t, "phone-a", true)
	f.pusher.notifyErrs = map[string]error{"phone-a": errors.New("throttled")}

	sess := f.start(t, "pbx-1")

	if want := (callsession.PushOutcome{Devices: 1, Failed: 1}); sess.Push != want {
		t.Errorf("got push outcome %+v, want %+v", sess.Push, want)
	}
	devices, err := f.store.Devices(context.Background(), customerCaller.ID)
	checkCode(t, err, "")
	if len(devices) != 1 || !devices[0].Enabled {
		t.Errorf("got devices %+v, want phone-a still enabled after an error other than a disabled endpoint", devices)
	}
}

func TestServiceStartReplay(t *testing.T) {
	f := newServiceFixture(t)
	f.addDevice(t, "phone-a", true)
	first := f.start(t, "pbx-1")

	f.clock.Advance(time.Minute)
	res, err := f.svc.Start(context.Background(), agentCaller, startRequest("pbx-1"))
	checkCode(t, err, "")

	if res.Created {
		t.Errorf("got created true, want false for a replay")
	}
	if res.Session.CallID != first.CallID {
		t.Errorf("got call id %q, want the first %q", res.Session.CallID, first.CallID)
	}
	if res.Session.MatchCode != first.MatchCode {
		t.Errorf("got another match code, want the first one")
	}
	if res.Session.Push != first.Push {
		t.Errorf("got push outcome %+v, want the first %+v", res.Session.Push, first.Push)
	}
	if n := len(f.pusher.Notified()); n != 1 {
		t.Errorf("got %d notifications, want 1: a replay pushes nothing", n)
	}
}

func TestServiceStartCallRefOfOtherCustomer(t *testing.T) {
	f := newServiceFixture(t)
	f.start(t, "pbx-1")

	req := startRequest("pbx-1")
	req.CustomerID = otherCustomer.ID
	_, err := f.svc.Start(context.Background(), agentCaller, req)
	checkCode(t, err, callsession.CodeConflict)
}

func TestServiceStartSupersedes(t *testing.T) {
	f := newServiceFixture(t)
	old := f.start(t, "pbx-1")

	f.clock.Advance(time.Minute)
	newer := f.start(t, "pbx-2")

	got := f.stored(t, old.CallID)
	if got.Status != callsession.StatusExpired {
		t.Errorf("got old status %q, want %q", got.Status, callsession.StatusExpired)
	}
	if got.Ended != callsession.EndSuperseded {
		t.Errorf("got old end reason %q, want %q", got.Ended, callsession.EndSuperseded)
	}
	if got.SupersededBy != newer.CallID {
		t.Errorf("got superseded_by %q, want %q", got.SupersededBy, newer.CallID)
	}

	// The customer can no longer answer the old prompt.
	_, err := f.answer(old.CallID, callsession.AnswerConfirm, old.MatchCode)
	checkCode(t, err, callsession.CodeGone)
}

func TestServiceStartBudget(t *testing.T) {
	f := newServiceFixture(t)
	for i := range 5 {
		f.start(t, fmt.Sprintf("pbx-%d", i))
		f.clock.Advance(time.Minute)
	}

	// Starts at t0 .. t0+4m, and now is t0+5m: the t0 start leaves the
	// rolling hour at t0+60m.
	_, err := f.svc.Start(context.Background(), agentCaller, startRequest("pbx-5"))
	checkCode(t, err, callsession.CodeRateLimited)
	if got := domainError(t, err).RetryAfter; got != 55*time.Minute {
		t.Errorf("got retry after %s, want 55m0s", got)
	}

	f.clock.Set(t0.Add(time.Hour - time.Nanosecond))
	_, err = f.svc.Start(context.Background(), agentCaller, startRequest("pbx-5"))
	checkCode(t, err, callsession.CodeRateLimited)

	f.clock.Set(t0.Add(time.Hour))
	f.start(t, "pbx-5")
}

func TestServiceSession(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	got, err := f.svc.Session(ctx, agentCaller, sess.CallID)
	checkCode(t, err, "")
	if got.CallID != sess.CallID {
		t.Errorf("got call id %q, want %q", got.CallID, sess.CallID)
	}

	_, err = f.svc.Session(ctx, agentCaller, "call_unknown")
	checkCode(t, err, callsession.CodeNotFound)

	_, err = f.svc.Session(ctx, agentCaller, "")
	checkCode(t, err, callsession.CodeInvalid)
}

func TestServiceAnswerConfirm(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	f.clock.Advance(2 * time.Minute)

	res, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")

	if !res.Changed {
		t.Errorf("got changed false, want true")
	}
	got := f.stored(t, sess.CallID)
	if got.Status != callsession.StatusConfirmed {
		t.Errorf("got stored status %q, want %q", got.Status, callsession.StatusConfirmed)
	}
	if want := t0.Add(62 * time.Minute); !got.AccessUntil.Equal(want) {
		t.Errorf("got stored access_until %s, want %s", got.AccessUntil, want)
	}
	if n := len(f.pusher.Alerts()); n != 0 {
		t.Errorf("got %d fraud alerts, want 0", n)
	}

	// A double tap is a success that changes nothing.
	res, err = f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")
	if res.Changed {
		t.Errorf("repeat confirm: got changed true, want false")
	}
}

func TestServiceAnswerDenyAlertsOnce(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	f.clock.Advance(2 * time.Minute)

	res, err := f.answer(sess.CallID, callsession.AnswerDeny, "")
	checkCode(t, err, "")
	if !res.Denied {
		t.Errorf("got denied false, want true")
	}

	alerts := f.pusher.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("got %d fraud alerts, want 1", len(alerts))
	}
	want := callsession.FraudAlert{
		CallID:     sess.CallID,
		CustomerID: customerCaller.ID,
		AgentID:    testAgent.ID,
		CallRef:    "pbx-1",
		Reason:     callsession.EndCustomerDenied,
		At:         t0.Add(2 * time.Minute),
	}
	if alerts[0] != want {
		t.Errorf("got fraud alert %+v, want %+v", alerts[0], want)
	}

	// A repeated deny is a success that changes nothing and sends the same
	// alert again, because fraud alerts are at least once.
	f.clock.Advance(time.Second)
	res, err = f.answer(sess.CallID, callsession.AnswerDeny, "")
	checkCode(t, err, "")
	if res.Changed {
		t.Errorf("repeat deny: got changed true, want false")
	}
	alerts = f.pusher.Alerts()
	if len(alerts) != 2 {
		t.Fatalf("got %d fraud alerts after a repeated deny, want 2", len(alerts))
	}
	if alerts[1] != want {
		t.Errorf("repeated alert: got %+v, want the first one %+v", alerts[1], want)
	}

	// A confirm after the deny is a conflict and sends no fraud alert.
	_, err = f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, callsession.CodeConflict)
	if n := len(f.pusher.Alerts()); n != 2 {
		t.Errorf("got %d fraud alerts after a confirm, want 2", n)
	}
}

func TestServiceAnswerWrongCodes(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	wrong := wrongCode(sess.MatchCode)

	for i := 1; i <= 2; i++ {
		f.clock.Advance(time.Minute)
		_, err := f.answer(sess.CallID, callsession.AnswerConfirm, wrong)
		checkCode(t, err, callsession.CodeWrongMatchCode)
		if got := f.stored(t, sess.CallID).WrongCodes; got != i {
			t.Errorf("wrong code %d: got %d stored wrong codes, want %d", i, got, i)
		}
		if n := len(f.pusher.Alerts()); n != 0 {
			t.Errorf("wrong code %d: got %d fraud alerts, want 0", i, n)
		}
	}

	f.clock.Advance(time.Minute)
	res, err := f.answer(sess.CallID, callsession.AnswerConfirm, wrong)
	checkCode(t, err, callsession.CodeWrongMatchCode)
	if !res.Denied {
		t.Errorf("third wrong code: got denied false, want true")
	}
	if got := f.stored(t, sess.CallID).Status; got != callsession.StatusDenied {
		t.Errorf("got stored status %q, want %q", got, callsession.StatusDenied)
	}
	alerts := f.pusher.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("got %d fraud alerts, want 1", len(alerts))
	}
	if alerts[0].Reason != callsession.EndWrongMatchCodes {
		t.Errorf("got alert reason %q, want %q", alerts[0].Reason, callsession.EndWrongMatchCodes)
	}

	// The customer's own deny afterwards repeats the final state: the alert
	// goes again, with the reason the session was denied for.
	_, err = f.answer(sess.CallID, callsession.AnswerDeny, "")
	checkCode(t, err, "")
	alerts = f.pusher.Alerts()
	if len(alerts) != 2 {
		t.Fatalf("got %d fraud alerts after a later deny, want 2", len(alerts))
	}
	if alerts[1].Reason != callsession.EndWrongMatchCodes {
		t.Errorf("later alert reason: got %q, want %q", alerts[1].Reason, callsession.EndWrongMatchCodes)
	}
}

func TestServiceAnswerRightCodeAfterTwoWrong(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	wrong := wrongCode(sess.MatchCode)

	for range 2 {
		_, err := f.answer(sess.CallID, callsession.AnswerConfirm, wrong)
		checkCode(t, err, callsession.CodeWrongMatchCode)
	}
	_, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")

	if got := f.stored(t, sess.CallID).Status; got != callsession.StatusConfirmed {
		t.Errorf("got stored status %q, want %q", got, callsession.StatusConfirmed)
	}
}

func TestServiceAnswerInvalidCodeNotCounted(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	_, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode+"0")
	checkCode(t, err, callsession.CodeInvalid)

	if got := f.stored(t, sess.CallID).WrongCodes; got != 0 {
		t.Errorf("got %d stored wrong codes, want 0 for a code of the wrong length", got)
	}
}

func TestServiceAnswerOtherCustomer(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	// The customer id in the request is ignored: the caller's id counts.
	req := callsession.AnswerRequest{CallID: sess.CallID, CustomerID: customerCaller.ID, Answer: callsession.AnswerDeny}
	_, err := f.svc.Answer(context.Background(), otherCustomer, req)
	checkCode(t, err, callsession.CodeNotFound)

	req = callsession.AnswerRequest{CallID: sess.CallID, Answer: callsession.AnswerConfirm, MatchCode: sess.MatchCode}
	_, err = f.svc.Answer(context.Background(), otherCustomer, req)
	checkCode(t, err, callsession.CodeNotFound)

	got := f.stored(t, sess.CallID)
	if got.Status != callsession.StatusPending {
		t.Errorf("got stored status %q, want %q", got.Status, callsession.StatusPending)
	}
	if !got.AnsweredAt.IsZero() {
		t.Errorf("got answered_at %s, want zero", got.AnsweredAt)
	}
	if n := len(f.pusher.Alerts()); n != 0 {
		t.Errorf("got %d fraud alerts, want 0", n)
	}
}

func TestServiceAnswerAfterWindow(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	f.clock.Set(sess.AnswerBy)
	_, err := f.answer(sess.CallID, callsession.AnswerDeny, "")
	checkCode(t, err, callsession.CodeGone)

	if got := f.stored(t, sess.CallID).Status; got != callsession.StatusPending {
		t.Errorf("got stored status %q, want %q unchanged", got, callsession.StatusPending)
	}
	if n := len(f.pusher.Alerts()); n != 0 {
		t.Errorf("got %d fraud alerts, want 0", n)
	}
}

func TestServiceAnswerUnknownCall(t *testing.T) {
	f := newServiceFixture(t)

	_, err := f.answer("call_unknown", callsession.AnswerDeny, "")
	checkCode(t, err, callsession.CodeNotFound)
}

// gateDecisions runs the gate for fields and returns the decisions by field.
func (f *serviceFixture) gateDecisions(t *testing.T, callID string, fields ...string) map[string]callsession.Decision {
	t.Helper()
	res, err := f.svc.Gate(context.Background(), agentCaller, callID, fields)
	if err != nil {
		t.Fatalf("gate: got error %v, want none", err)
	}
	if len(res.Decisions) != len(fields) {
		t.Fatalf("gate: got %d decisions, want %d", len(res.Decisions), len(fields))
	}
	out := make(map[string]callsession.Decision)
	for i, d := range res.Decisions {
		if d.Field != fields[i] {
			t.Errorf("decision %d: got field %q, want %q in request order", i, d.Field, fields[i])
		}
		out[d.Field] = d
	}
	return out
}

func checkDecision(t *testing.T, d callsession.Decision, allowed bool, reason callsession.Reason) {
	t.Helper()
	if d.Allowed != allowed || d.Reason != reason {
		t.Errorf("field %s: got allowed %t reason %q, want allowed %t reason %q", d.Field, d.Allowed, d.Reason, allowed, reason)
	}
}

func TestServiceGatePending(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	f.clock.Advance(time.Minute)

	got := f.gateDecisions(t, sess.CallID, "name_on_file", "balance", "freeze_card", "shoe_size")

	checkDecision(t, got["name_on_file"], true, callsession.ReasonPublicField)
	checkDecision(t, got["balance"], false, callsession.ReasonAwaitingCustomer)
	checkDecision(t, got["freeze_card"], true, callsession.ReasonEmergencyAction)
	checkDecision(t, got["shoe_size"], false, callsession.ReasonUnknownField)
	if ds := f.stored(t, sess.CallID).Disclosures; len(ds) != 0 {
		t.Errorf("got disclosures %+v, want none while pending", ds)
	}
}

func TestServiceGateConfirmedRecordsDisclosure(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	_, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")
	f.clock.Advance(5 * time.Minute)
	gateAt := f.clock.Now()

	got := f.gateDecisions(t, sess.CallID, "balance", "name_on_file", "direct_debits", "shoe_size")

	checkDecision(t, got["balance"], true, callsession.ReasonCustomerConfirmed)
	checkDecision(t, got["direct_debits"], true, callsession.ReasonCustomerConfirmed)
	checkDecision(t, got["name_on_file"], true, callsession.ReasonPublicField)
	checkDecision(t, got["shoe_size"], false, callsession.ReasonUnknownField)

	history, err := f.svc.History(ctx, customerCaller)
	checkCode(t, err, "")
	if len(history) != 1 {
		t.Fatalf("got %d sessions in history, want 1", len(history))
	}
	want := []callsession.Disclosure{
		{Field: "balance", AgentID: testAgent.ID, AgentName: testAgent.DisplayName, Principal: agentCaller.ID, At: gateAt},
		{Field: "direct_debits", AgentID: testAgent.ID, AgentName: testAgent.DisplayName, Principal: agentCaller.ID, At: gateAt},
	}
	if ds := history[0].Disclosures; !slices.Equal(ds, want) {
		t.Errorf("got disclosures %+v, want %+v", ds, want)
	}
}

func TestServiceGatePublicOnlyRecordsNothing(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	_, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")

	got := f.gateDecisions(t, sess.CallID, "name_on_file", "cancel_card")

	checkDecision(t, got["name_on_file"], true, callsession.ReasonPublicField)
	checkDecision(t, got["cancel_card"], true, callsession.ReasonEmergencyAction)
	if ds := f.stored(t, sess.CallID).Disclosures; len(ds) != 0 {
		t.Errorf("got disclosures %+v, want none for public and emergency fields", ds)
	}
}

func TestServiceGateAfterAccessWindow(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	_, err := f.answer(sess.CallID, callsession.AnswerConfirm, sess.MatchCode)
	checkCode(t, err, "")
	accessUntil := f.stored(t, sess.CallID).AccessUntil

	f.clock.Set(accessUntil.Add(-time.Nanosecond))
	got := f.gateDecisions(t, sess.CallID, "balance")
	checkDecision(t, got["balance"], true, callsession.ReasonCustomerConfirmed)

	f.clock.Set(accessUntil)
	got = f.gateDecisions(t, sess.CallID, "balance", "name_on_file", "freeze_card")
	checkDecision(t, got["balance"], false, callsession.ReasonSessionExpired)
	checkDecision(t, got["name_on_file"], true, callsession.ReasonPublicField)
	checkDecision(t, got["freeze_card"], true, callsession.ReasonEmergencyAction)

	if ds := f.stored(t, sess.CallID).Disclosures; len(ds) != 1 {
		t.Errorf("got %d disclosures, want 1 from before the access window ended", len(ds))
	}
}

func TestServiceGateDenied(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	_, err := f.answer(sess.CallID, callsession.AnswerDeny, "")
	checkCode(t, err, "")

	got := f.gateDecisions(t, sess.CallID, "balance", "name_on_file", "freeze_card")

	checkDecision(t, got["balance"], false, callsession.ReasonCustomerDenied)
	checkDecision(t, got["name_on_file"], true, callsession.ReasonPublicField)
	checkDecision(t, got["freeze_card"], true, callsession.ReasonEmergencyAction)
}

func TestServiceGateUnanswered(t *testing.T) {
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	f.clock.Set(sess.AnswerBy)

	got := f.gateDecisions(t, sess.CallID, "balance", "freeze_card")

	checkDecision(t, got["balance"], false, callsession.ReasonSessionExpired)
	checkDecision(t, got["freeze_card"], true, callsession.ReasonEmergencyAction)
}

func TestServiceGateUnknownCall(t *testing.T) {
	f := newServiceFixture(t)

	for _, fields := range [][]string{{"name_on_file"}, {"balance"}} {
		res, err := f.svc.Gate(context.Background(), agentCaller, "call_unknown", fields)
		checkCode(t, err, callsession.CodeNotFound)
		if len(res.Decisions) != 0 {
			t.Errorf("fields %v: got decisions %+v, want none for an unknown call", fields, res.Decisions)
		}
	}
}

func TestServiceGateInvalid(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")

	_, err := f.svc.Gate(ctx, agentCaller, sess.CallID, nil)
	checkCode(t, err, callsession.CodeInvalid)

	_, err = f.svc.Gate(ctx, agentCaller, sess.CallID, []string{"Balance"})
	checkCode(t, err, callsession.CodeInvalid)

	_, err = f.svc.Gate(ctx, agentCaller, "call/1", []string{"balance"})
	checkCode(t, err, callsession.CodeInvalid)
}

func TestServiceGateStoreFailure(t *testing.T) {
	cause := errors.New("dial tcp: i/o timeout")

	tests := []struct {
		name     string
		storeErr error
		wantCode callsession.Code
	}{
		{"unavailable", callsession.Unavailable("session store", cause), callsession.CodeUnavailable},
		{"conflict", &callsession.Error{Code: callsession.CodeConflict, Message: "lost a race", Err: cause}, callsession.CodeConflict},
		{"raw error", fmt.Errorf("get item: %w", cause), callsession.CodeInternal},
	}
	fieldSets := [][]string{
		{"name_on_file", "freeze_card"},
		{"name_on_file", "balance", "freeze_card", "shoe_size"},
	}
	for _, tt := range tests {
		for _, fields := range fieldSets {
			t.Run(fmt.Sprintf("%s/%d fields", tt.name, len(fields)), func(t *testing.T) {
				ms := memstore.New()
				svc := callsession.NewService(&failingStore{Store: ms, err: tt.storeErr}, callsession.DefaultConfig(),
					callsession.WithPusher(&recordingPusher{}),
					callsession.WithClock(newFakeClock(t0)),
					callsession.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
				start, err := svc.Start(context.Background(), agentCaller, startRequest("pbx-1"))
				checkCode(t, err, "")

				res, err := svc.Gate(context.Background(), agentCaller, start.Session.CallID, fields)

				checkCode(t, err, tt.wantCode)
				if !errors.Is(err, cause) {
					t.Errorf("got error %v, want it to wrap %v", err, cause)
				}
				if len(res.Decisions) != len(fields) {
					t.Fatalf("got %d decisions, want %d", len(res.Decisions), len(fields))
				}
				for i, d := range res.Decisions {
					want := callsession.Decision{Field: fields[i], Reason: callsession.ReasonUnavailable}
					if d != want {
						t.Errorf("decision %d: got %+v, want %+v", i, d, want)
					}
				}
			})
		}
	}
}

func TestServiceHistory(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	first := f.start(t, "pbx-1")
	f.clock.Advance(time.Minute)
	second := f.start(t, "pbx-2")
	f.clock.Advance(time.Minute)
	otherReq := startRequest("pbx-3")
	otherReq.CustomerID = otherCustomer.ID
	_, err := f.svc.Start(ctx, agentCaller, otherReq)
	checkCode(t, err, "")

	history, err := f.svc.History(ctx, customerCaller)
	checkCode(t, err, "")

	var got []string
	for _, s := range history {
		got = append(got, s.CallID)
	}
	if want := []string{second.CallID, first.CallID}; !slices.Equal(got, want) {
		t.Errorf("got history %v, want %v, newest first", got, want)
	}
	for _, s := range history {
		if s.CustomerID != customerCaller.ID {
			t.Errorf("got session %s of customer %q, want only %q", s.CallID, s.CustomerID, customerCaller.ID)
		}
	}

	otherHistory, err := f.svc.History(ctx, otherCustomer)
	checkCode(t, err, "")
	if len(otherHistory) != 1 {
		t.Errorf("got %d sessions for the other customer, want 1", len(otherHistory))
	}
}

func TestServiceHistoryRetention(t *testing.T) {
	f := newServiceFixture(t)
	f.start(t, "pbx-1")

	f.clock.Set(t0.Add(callsession.DefaultConfig().Retention))
	history, err := f.svc.History(context.Background(), customerCaller)
	checkCode(t, err, "")
	if len(history) != 1 {
		t.Errorf("got %d sessions at the end of retention, want 1", len(history))
	}

	f.clock.Advance(time.Nanosecond)
	history, err = f.svc.History(context.Background(), customerCaller)
	checkCode(t, err, "")
	if len(history) != 0 {
		t.Errorf("got %d sessions after retention, want 0", len(history))
	}
}

func TestServiceRegisterDevice(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)

	// The customer id in the request is ignored: the caller's id counts.
	req := callsession.Device{CustomerID: otherCustomer.ID, DeviceID: "pixel-8", Platform: callsession.PlatformGCM, Token: "fcm-token-1"}
	d, err := f.svc.RegisterDevice(ctx, customerCaller, req)
	checkCode(t, err, "")

	if d.CustomerID != customerCaller.ID {
		t.Errorf("got customer id %q, want the caller's %q", d.CustomerID, customerCaller.ID)
	}
	if want := "arn:aws:sns:eu-west-2:000000000000:endpoint/GCM/test/pixel-8"; d.EndpointARN != want {
		t.Errorf("got endpoint ARN %q, want %q", d.EndpointARN, want)
	}
	if !d.Enabled {
		t.Errorf("got enabled false, want true")
	}
	if !d.UpdatedAt.Equal(t0) {
		t.Errorf("got updated_at %s, want %s", d.UpdatedAt, t0)
	}
	stored, err := f.store.Devices(ctx, customerCaller.ID)
	checkCode(t, err, "")
	if len(stored) != 1 || stored[0] != d {
		t.Errorf("got stored devices %+v, want [%+v]", stored, d)
	}
	if others, _ := f.store.Devices(ctx, otherCustomer.ID); len(others) != 0 {
		t.Errorf("got %d devices for the other customer, want 0", len(others))
	}

	_, err = f.svc.RegisterDevice(ctx, customerCaller, callsession.Device{DeviceID: "pixel-8", Platform: "WNS", Token: "t"})
	checkCode(t, err, callsession.CodeInvalid)
}

func TestServiceRegisterDeviceEnablesAgain(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	f.addDevice(t, "phone-a", false)

	f.clock.Advance(time.Hour)
	d, err := f.svc.RegisterDevice(ctx, customerCaller, callsession.Device{DeviceID: "phone-a", Platform: callsession.PlatformAPNS, Token: "new-token"})
	checkCode(t, err, "")

	stored, err := f.store.Devices(ctx, customerCaller.ID)
	checkCode(t, err, "")
	if len(stored) != 1 || !stored[0].Enabled || stored[0].Token != "new-token" {
		t.Errorf("got stored devices %+v, want phone-a enabled with the new token", stored)
	}
	if !d.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("got updated_at %s, want %s", d.UpdatedAt, t0.Add(time.Hour))
	}
}

func TestServiceRemoveDevice(t *testing.T) {
	ctx := context.Background()
	f := newServiceFixture(t)
	f.addDevice(t, "phone-a", true)

	// Another customer cannot remove it.
	err := f.svc.RemoveDevice(ctx, otherCustomer, "phone-a")
	checkCode(t, err, callsession.CodeNotFound)

	err = f.svc.RemoveDevice(ctx, customerCaller, "phone-a")
	checkCode(t, err, "")

	if stored, _ := f.store.Devices(ctx, customerCaller.ID); len(stored) != 0 {
		t.Errorf("got stored devices %+v, want none", stored)
	}
	f.pusher.mu.Lock()
	removed := f.pusher.removed
	f.pusher.mu.Unlock()
	if len(removed) != 1 || removed[0].DeviceID != "phone-a" {
		t.Errorf("got unregistered endpoints %+v, want phone-a's", removed)
	}

	err = f.svc.RemoveDevice(ctx, customerCaller, "phone-a")
	checkCode(t, err, callsession.CodeNotFound)

	err = f.svc.RemoveDevice(ctx, customerCaller, "")
	checkCode(t, err, callsession.CodeInvalid)
}
