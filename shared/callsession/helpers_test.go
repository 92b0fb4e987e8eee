package callsession_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
)

// t0 is the start time of every test scenario, in UTC.
var t0 = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

// fakeClock is a callsession.Clock that moves only when a test moves it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// recordingPusher is a callsession.Pusher that records every call. Notify
// returns the error in notifyErrs for the device id, if any.
type recordingPusher struct {
	mu         sync.Mutex
	notifyErrs map[string]error
	registered []callsession.Device
	removed    []callsession.Device
	notified   []pushedNotification
	alerts     []callsession.FraudAlert
}

type pushedNotification struct {
	Device       callsession.Device
	Notification callsession.Notification
}

var _ callsession.Pusher = (*recordingPusher)(nil)

func (p *recordingPusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.registered = append(p.registered, d)
	return "arn:aws:sns:eu-west-2:000000000000:endpoint/" + string(d.Platform) + "/test/" + d.DeviceID, nil
}

func (p *recordingPusher) Unregister(ctx context.Context, d callsession.Device) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removed = append(p.removed, d)
	return nil
}

func (p *recordingPusher) Notify(ctx context.Context, d callsession.Device, n callsession.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notified = append(p.notified, pushedNotification{Device: d, Notification: n})
	return p.notifyErrs[d.DeviceID]
}

func (p *recordingPusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.alerts = append(p.alerts, a)
	return nil
}

func (p *recordingPusher) Notified() []pushedNotification {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pushedNotification(nil), p.notified...)
}

func (p *recordingPusher) Alerts() []callsession.FraudAlert {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]callsession.FraudAlert(nil), p.alerts...)
}

// failingStore is a memstore whose Session and Disclose fail with err, as a
// store does when DynamoDB is unreachable or times out.
type failingStore struct {
	*memstore.Store
	err error
}

func (s *failingStore) Session(ctx context.Context, callID string) (callsession.Session, error) {
	return callsession.Session{}, s.err
}

func (s *failingStore) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	return callsession.Session{}, false, s.err
}

// Callers used by the service tests.
var (
	agentCaller    = callsession.Caller{Kind: callsession.CallerAgent, ID: "arn:aws:iam::000000000000:role/agent-desktop"}
	customerCaller = callsession.Caller{Kind: callsession.CallerCustomer, ID: "cust-1001"}
	otherCustomer  = callsession.Caller{Kind: callsession.CallerCustomer, ID: "cust-2002"}
)

var testAgent = callsession.Agent{ID: "agent-42", DisplayName: "Priya at Northbank"}

// startRequest returns a valid start request for customerCaller with callRef.
func startRequest(callRef string) callsession.StartRequest {
	return callsession.StartRequest{CustomerID: customerCaller.ID, CallRef: callRef, Agent: testAgent}
}

// pendingSession returns a pending session of customerCaller started at t0
// with the default windows and match code "42".
func pendingSession() callsession.Session {
	cfg := callsession.DefaultConfig()
	return callsession.Session{
		CallID:      "call_pending",
		CustomerID:  customerCaller.ID,
		CallRef:     "pbx-1",
		Agent:       testAgent,
		Status:      callsession.StatusPending,
		MatchCode:   "42",
		StartedAt:   t0,
		AnswerBy:    t0.Add(cfg.AnswerWindow),
		RetainUntil: t0.Add(cfg.Retention),
	}
}

// confirmedSession returns pendingSession confirmed at answeredAt.
func confirmedSession(answeredAt time.Time) callsession.Session {
	s := pendingSession()
	s.Status = callsession.StatusConfirmed
	s.Ended = callsession.EndConfirmed
	s.Method = callsession.MethodMatchCode
	s.AnsweredAt = answeredAt
	s.AccessUntil = answeredAt.Add(callsession.DefaultConfig().AccessWindow)
	return s
}

// deniedSession returns pendingSession denied by the customer at answeredAt.
func deniedSession(answeredAt time.Time) callsession.Session {
	s := pendingSession()
	s.Status = callsession.StatusDenied
	s.Ended = callsession.EndCustomerDenied
	s.AnsweredAt = answeredAt
	return s
}

// supersededSession returns pendingSession replaced by the call "call_newer".
func supersededSession() callsession.Session {
	return callsession.Supersede(pendingSession(), "call_newer")
}

// checkCode fails the test unless err carries the code want; want "" means
// no error.
func checkCode(t *testing.T, err error, want callsession.Code) {
	t.Helper()
	if got := callsession.ErrorCode(err); got != want {
		t.Fatalf("got error code %q (err %v), want %q", got, err, want)
	}
}

// domainError returns err as a *callsession.Error, failing the test if it is
// not one.
func domainError(t *testing.T, err error) *callsession.Error {
	t.Helper()
	var e *callsession.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want a *callsession.Error", err, err)
	}
	return e
}
