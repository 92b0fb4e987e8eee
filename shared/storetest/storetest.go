// Package storetest is the contract suite of [callsession.Store]: every
// store implementation runs [Run] in its tests, so the embedded store and
// the DynamoDB store keep the same rules. Time is a fixed fake time that
// each call moves by hand, so no test sleeps.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// t0 is the fake time at which each test begins. It is taken from the wall
// clock once, because DynamoDB, and DynamoDB Local within seconds, deletes
// items whose TTL lies in the past: a fixed date would expire with the
// retention period. Its nanoseconds check that stores keep times exactly.
var t0 = time.Now().UTC().Truncate(time.Second).Add(123456789 * time.Nanosecond)

// cfg is the configuration of every test: a 10-minute answer window, a
// 60-minute access window, 3 wrong codes and 5 starts per hour.
var cfg = callsession.DefaultConfig()

// Run runs the contract suite. newStore returns a new, empty store for one
// test; tests run in parallel, each on its own store.
func Run(t *testing.T, newStore func(t *testing.T) callsession.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"StartCreates", testStartCreates},
		{"StartReplays", testStartReplays},
		{"StartRefOfOtherCustomer", testStartRefOfOtherCustomer},
		{"StartSupersedes", testStartSupersedes},
		{"StartKeepsAnswered", testStartKeepsAnswered},
		{"StartAfterAnswerWindow", testStartAfterAnswerWindow},
		{"StartBudget", testStartBudget},
		{"StartRecentStarts", testStartRecentStarts},
		{"StartPlanError", testStartPlanError},
		{"StartReturnsDevices", testStartReturnsDevices},
		{"SessionNotFound", testSessionNotFound},
		{"AnswerConfirm", testAnswerConfirm},
		{"AnswerDeny", testAnswerDeny},
		{"AnswerRetry", testAnswerRetry},
		{"AnswerWrongCodes", testAnswerWrongCodes},
		{"AnswerConflict", testAnswerConflict},
		{"AnswerAfterWindow", testAnswerAfterWindow},
		{"AnswerOtherCustomer", testAnswerOtherCustomer},
		{"AnswerInvalid", testAnswerInvalid},
		{"DiscloseConfirmed", testDiscloseConfirmed},
		{"DiscloseRefused", testDiscloseRefused},
		{"DiscloseNotFound", testDiscloseNotFound},
		{"RecordPush", testRecordPush},
		{"History", testHistory},
		{"HistorySameStart", testHistorySameStart},
		{"Devices", testDevices},
		{"ConcurrentAnswers", testConcurrentAnswers},
		{"ConcurrentWrongCodes", testConcurrentWrongCodes},
		{"ConcurrentStarts", testConcurrentStarts},
		{"ConcurrentReplays", testConcurrentReplays},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, &fixture{t: t, store: newStore(t), ctx: t.Context()})
		})
	}
}

// fixture runs store calls for one test and fails it on unexpected errors.
type fixture struct {
	t     *testing.T
	store callsession.Store
	ctx   context.Context
}

func startRequest(customerID, callRef string) callsession.StartRequest {
	return callsession.StartRequest{
		CustomerID: customerID,
		CallRef:    callRef,
		Agent:      callsession.Agent{ID: "agent-7", DisplayName: "Alex at the bank"},
	}
}

// tryStart starts a call at now, planned by [callsession.PlanStart] as the
// service does.
func (f *fixture) tryStart(customerID, callRef string, now time.Time) (callsession.StartPlan, []callsession.Device, error) {
	req := startRequest(customerID, callRef)
	return f.store.StartSession(f.ctx, req, now.Add(-cfg.PushBudgetPeriod), func(st callsession.CustomerState) (callsession.StartPlan, error) {
		return callsession.PlanStart(st, req, now, cfg)
	})
}

// start starts a call that must create a session, and returns the plan.
func (f *fixture) start(customerID, callRef string, now time.Time) callsession.StartPlan {
	f.t.Helper()
	p, _, err := f.tryStart(customerID, callRef, now)
	if err != nil {
		f.t.Fatalf("start %s for %s: %v", callRef, customerID, err)
	}
	if !p.Created {
		f.t.Fatalf("start %s for %s: got a replay, want a new session", callRef, customerID)
	}
	return p
}

func (f *fixture) answer(s callsession.Session, a callsession.Answer, code string, now time.Time) (callsession.AnswerResult, error) {
	return f.store.Answer(f.ctx, callsession.AnswerRequest{
		CallID:     s.CallID,
		CustomerID: s.CustomerID,
		Answer:     a,
		MatchCode:  code,
	}, now, cfg)
}

// confirm answers s with its match code and fails the test unless that
// confirms it.
func (f *fixture) confirm(s callsession.Session, now time.Time) callsession.Session {
	f.t.Helper()
	res, err := f.answer(s, callsession.AnswerConfirm, s.MatchCode, now)
	if err != nil || !res.Changed {
		f.t.Fatalf("confirm %s: got changed=%v, err %v, want a change", s.CallID, res.Changed, err)
	}
	return res.Session
}

// deny answers s with "deny" and fails the test unless that denies it.
func (f *fixture) deny(s callsession.Session, now time.Time) callsession.Session {
	f.t.Helper()
	res, err := f.answer(s, callsession.AnswerDeny, "", now)
	if err != nil || !res.Changed {
		f.t.Fatalf("deny %s: got changed=%v, err %v, want a change", s.CallID, res.Changed, err)
	}
	return res.Session
}

func (f *fixture) session(callID string) callsession.Session {
	f.t.Helper()
	s, err := f.store.Session(f.ctx, callID)
	if err != nil {
		f.t.Fatalf("read session %s: %v", callID, err)
	}
	return s
}

func (f *fixture) disclose(s callsession.Session, now time.Time, fields ...string) (callsession.Session, bool) {
	f.t.Helper()
	got, ok, err := f.store.Disclose(f.ctx, s.CallID, disclosures(now, fields...), now)
	if err != nil {
		f.t.Fatalf("disclose on %s: %v", s.CallID, err)
	}
	return got, ok
}

func disclosures(now time.Time, fields ...string) []callsession.Disclosure {
	out := make([]callsession.Disclosure, len(fields))
	for i, field := range fields {
		out[i] = callsession.Disclosure{Field: field, Principal: "arn:aws:iam::123456789012:role/agent-tool", At: now}
	}
	return out
}

// wantCode fails the test unless err is a *callsession.Error with code.
func wantCode(t *testing.T, what string, err error, code callsession.Code) {
	t.Helper()
	if got := callsession.ErrorCode(err); got != code {
		t.Fatalf("%s: got error code %q (%v), want %q", what, got, err, code)
	}
	var e *callsession.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: got %T, want a *callsession.Error", what, err)
	}
}

// wantSession fails the test unless got and want are equal, comparing times
// as instants.
func wantSession(t *testing.T, what string, got, want callsession.Session) {
	t.Helper()
	if g, w := normalize(got), normalize(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\ngot  %+v\nwant %+v", what, g, w)
	}
}

// normalize maps every time to UTC without a monotonic reading and empty
// lists to nil, so that equal sessions compare equal with reflect.DeepEqual.
func normalize(s callsession.Session) callsession.Session {
	for _, p := range []*time.Time{&s.StartedAt, &s.AnswerBy, &s.AnsweredAt, &s.AccessUntil, &s.RetainUntil, &s.PushedAt} {
		*p = instant(*p)
	}
	if len(s.Disclosures) == 0 {
		s.Disclosures = nil
	}
	s.Disclosures = slices.Clone(s.Disclosures)
	for i := range s.Disclosures {
		s.Disclosures[i].At = instant(s.Disclosures[i].At)
	}
	return s
}

func instant(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

func normalizeDevice(d callsession.Device) callsession.Device {
	d.UpdatedAt = instant(d.UpdatedAt)
	return d
}

func wantDevices(t *testing.T, what string, got, want []callsession.Device) {
	t.Helper()
	g := make([]callsession.Device, len(got))
	for i, d := range got {
		g[i] = normalizeDevice(d)
	}
	w := make([]callsession.Device, len(want))
	for i, d := range want {
		w[i] = normalizeDevice(d)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\ngot  %+v\nwant %+v", what, g, w)
	}
}

// callIDs returns the call ids of sessions, in order.
func callIDs(sessions []callsession.Session) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.CallID
	}
	return out
}
