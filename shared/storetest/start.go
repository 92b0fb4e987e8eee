package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func testStartCreates(t *testing.T, f *fixture) {
	p, devices, err := f.tryStart("cus-1", "ref-1", t0)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if !p.Created {
		t.Fatalf("got Created false, want true")
	}
	if p.Supersede != "" {
		t.Fatalf("got Supersede %q, want none", p.Supersede)
	}
	if len(devices) != 0 {
		t.Fatalf("got %d devices, want 0", len(devices))
	}
	s := p.Session
	if s.Status != callsession.StatusPending || s.CustomerID != "cus-1" || s.CallRef != "ref-1" {
		t.Fatalf("got status %q, customer %q, call_ref %q, want pending, cus-1, ref-1", s.Status, s.CustomerID, s.CallRef)
	}
	wantSession(t, "stored session", f.session(s.CallID), s)
}

func testStartReplays(t *testing.T, f *fixture) {
	first := f.start("cus-1", "ref-1", t0)
	confirmed := f.confirm(first.Session, t0.Add(time.Minute))

	p, _, err := f.tryStart("cus-1", "ref-1", t0.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if p.Created {
		t.Fatalf("got Created true, want a replay")
	}
	if p.Supersede != "" {
		t.Fatalf("got Supersede %q, want none", p.Supersede)
	}
	wantSession(t, "replayed session", p.Session, confirmed)

	hist, err := f.store.History(f.ctx, "cus-1", t0.Add(-time.Hour), 100)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist) != 1 {
		t.Fatalf("got %d sessions after a replay, want 1", len(hist))
	}
}

func testStartRefOfOtherCustomer(t *testing.T, f *fixture) {
	f.start("cus-1", "ref-1", t0)
	_, _, err := f.tryStart("cus-2", "ref-1", t0.Add(time.Minute))
	wantCode(t, "start with another customer's call_ref", err, callsession.CodeConflict)

	hist, err := f.store.History(f.ctx, "cus-2", t0.Add(-time.Hour), 100)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist) != 0 {
		t.Fatalf("got %d sessions for cus-2, want 0", len(hist))
	}
}

func testStartSupersedes(t *testing.T, f *fixture) {
	first := f.start("cus-1", "ref-1", t0).Session
	second := f.start("cus-1", "ref-2", t0.Add(2*time.Minute))
	if second.Supersede != first.CallID {
		t.Fatalf("got Supersede %q, want %q", second.Supersede, first.CallID)
	}

	old := f.session(first.CallID)
	if old.Status != callsession.StatusExpired || old.Ended != callsession.EndSuperseded || old.SupersededBy != second.Session.CallID {
		t.Fatalf("got status %q, ended %q, superseded_by %q, want expired, superseded, %q",
			old.Status, old.Ended, old.SupersededBy, second.Session.CallID)
	}
	if got := f.session(second.Session.CallID).Status; got != callsession.StatusPending {
		t.Fatalf("got new session status %q, want pending", got)
	}

	_, err := f.answer(first, callsession.AnswerConfirm, first.MatchCode, t0.Add(3*time.Minute))
	wantCode(t, "confirm of superseded session", err, callsession.CodeGone)
}

func testStartKeepsAnswered(t *testing.T, f *fixture) {
	for _, a := range []callsession.Answer{callsession.AnswerConfirm, callsession.AnswerDeny} {
		customer := "cus-" + string(a)
		first := f.start(customer, "ref-1-"+string(a), t0).Session
		var answered callsession.Session
		if a == callsession.AnswerConfirm {
			answered = f.confirm(first, t0.Add(time.Minute))
		} else {
			answered = f.deny(first, t0.Add(time.Minute))
		}

		second := f.start(customer, "ref-2-"+string(a), t0.Add(2*time.Minute))
		if second.Supersede != "" {
			t.Fatalf("%s: got Supersede %q, want none", a, second.Supersede)
		}
		wantSession(t, string(a)+": answered session after the next start", f.session(first.CallID), answered)
	}
}

func testStartAfterAnswerWindow(t *testing.T, f *fixture) {
	first := f.start("cus-1", "ref-1", t0).Session
	second := f.start("cus-1", "ref-2", first.AnswerBy)
	if second.Supersede != "" {
		t.Fatalf("got Supersede %q, want none", second.Supersede)
	}

	old := f.session(first.CallID)
	if old.Status != callsession.StatusPending || old.SupersededBy != "" {
		t.Fatalf("got stored status %q, superseded_by %q, want pending and none", old.Status, old.SupersededBy)
	}
	if got := old.StatusAt(first.AnswerBy); got != callsession.StatusExpired {
		t.Fatalf("got status %q at the end of the answer window, want expired", got)
	}
}

func testStartBudget(t *testing.T, f *fixture) {
	for i := range cfg.PushBudget {
		f.start("cus-1", "ref-"+string(rune('a'+i)), t0.Add(time.Duration(i)*time.Minute))
	}

	now := t0.Add(5 * time.Minute)
	_, _, err := f.tryStart("cus-1", "ref-over", now)
	wantCode(t, "start over the budget", err, callsession.CodeRateLimited)
	var e *callsession.Error
	errors.As(err, &e)
	if want := t0.Add(cfg.PushBudgetPeriod).Sub(now); e.RetryAfter != want {
		t.Fatalf("got RetryAfter %s, want %s", e.RetryAfter, want)
	}

	// The first start leaves the rolling period exactly one period later.
	p := f.start("cus-1", "ref-later", t0.Add(cfg.PushBudgetPeriod))
	if p.Session.CallRef != "ref-later" {
		t.Fatalf("got call_ref %q, want ref-later", p.Session.CallRef)
	}
	if _, _, err := f.tryStart("cus-1", "ref-over-2", t0.Add(cfg.PushBudgetPeriod)); callsession.ErrorCode(err) != callsession.CodeRateLimited {
		t.Fatalf("start over the budget again: got %v, want code %q", err, callsession.CodeRateLimited)
	}
}

func testStartRecentStarts(t *testing.T, f *fixture) {
	f.start("cus-1", "ref-1", t0)
	f.start("cus-1", "ref-2", t0.Add(30*time.Minute))
	third := f.start("cus-1", "ref-3", t0.Add(50*time.Minute)).Session
	f.start("cus-2", "ref-4", t0.Add(55*time.Minute))

	now := t0.Add(70 * time.Minute)
	req := startRequest("cus-1", "ref-5")
	var st callsession.CustomerState
	_, _, err := f.store.StartSession(f.ctx, req, now.Add(-cfg.PushBudgetPeriod), func(s callsession.CustomerState) (callsession.StartPlan, error) {
		st = s
		return callsession.PlanStart(s, req, now, cfg)
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}

	got := slices.SortedFunc(slices.Values(st.RecentStarts), time.Time.Compare)
	want := []time.Time{t0.Add(30 * time.Minute), t0.Add(50 * time.Minute)}
	if len(got) != len(want) || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Fatalf("got RecentStarts %v, want %v", got, want)
	}
	if st.Replay != nil {
		t.Fatalf("got Replay %q, want none", st.Replay.CallID)
	}
	if st.Pending == nil || st.Pending.CallID != third.CallID {
		t.Fatalf("got Pending %v, want session %s", st.Pending, third.CallID)
	}
}

func testStartPlanError(t *testing.T, f *fixture) {
	planErr := errors.New("plan rejected the start")
	_, _, err := f.store.StartSession(f.ctx, startRequest("cus-1", "ref-1"), t0.Add(-time.Hour), func(callsession.CustomerState) (callsession.StartPlan, error) {
		return callsession.StartPlan{}, planErr
	})
	if !errors.Is(err, planErr) {
		t.Fatalf("got error %v, want the plan's error", err)
	}

	// Nothing was written: the call_ref is still free.
	p := f.start("cus-1", "ref-1", t0)
	if !p.Created {
		t.Fatalf("got a replay after a failed plan, want a new session")
	}
}

func testStartReturnsDevices(t *testing.T, f *fixture) {
	phone := device("cus-1", "phone", true)
	tablet := device("cus-1", "tablet", false)
	for _, d := range []callsession.Device{tablet, phone, device("cus-2", "other", true)} {
		if err := f.store.PutDevice(f.ctx, d); err != nil {
			t.Fatalf("put device %s: %v", d.DeviceID, err)
		}
	}

	_, devices, err := f.tryStart("cus-1", "ref-1", t0)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	wantDevices(t, "devices of the start", devices, []callsession.Device{phone, tablet})
}

func testSessionNotFound(t *testing.T, f *fixture) {
	_, err := f.store.Session(f.ctx, "call_unknown")
	wantCode(t, "read unknown session", err, callsession.CodeNotFound)
}

func testRecordPush(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	o := callsession.PushOutcome{Devices: 3, Sent: 2, Failed: 1}
	at := t0.Add(1500 * time.Millisecond)
	if err := f.store.RecordPush(f.ctx, s.CallID, o, at); err != nil {
		t.Fatalf("record push: %v", err)
	}

	s.Push, s.PushedAt = o, at
	wantSession(t, "session after RecordPush", f.session(s.CallID), s)

	err := f.store.RecordPush(f.ctx, "call_unknown", o, at)
	wantCode(t, "record push of unknown session", err, callsession.CodeNotFound)
}

func testHistory(t *testing.T, f *fixture) {
	a := f.start("cus-1", "ref-1", t0).Session
	b := f.start("cus-1", "ref-2", t0.Add(time.Minute)).Session
	c := f.start("cus-1", "ref-3", t0.Add(20*time.Minute)).Session
	f.start("cus-2", "ref-4", t0.Add(2*time.Minute))

	tests := []struct {
		name  string
		since time.Time
		limit int
		want  []string
	}{
		{"all", t0.Add(-time.Hour), 100, []string{c.CallID, b.CallID, a.CallID}},
		{"since is inclusive", t0.Add(time.Minute), 100, []string{c.CallID, b.CallID}},
		{"none", t0.Add(21 * time.Minute), 100, []string{}},
		{"limit keeps the newest", t0.Add(-time.Hour), 2, []string{c.CallID, b.CallID}},
		{"limit of one", t0.Add(-time.Hour), 1, []string{c.CallID}},
	}
	for _, tt := range tests {
		got, err := f.store.History(f.ctx, "cus-1", tt.since, tt.limit)
		if err != nil {
			t.Fatalf("%s: history: %v", tt.name, err)
		}
		if ids := callIDs(got); !slices.Equal(ids, tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}

	got, err := f.store.History(f.ctx, "cus-1", t0.Add(-time.Hour), 100)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	wantSession(t, "superseded session in history", got[2], f.session(a.CallID))
	if got[2].Status != callsession.StatusExpired {
		t.Fatalf("got status %q of superseded session, want expired", got[2].Status)
	}

	none, err := f.store.History(f.ctx, "cus-unknown", t0.Add(-time.Hour), 100)
	if err != nil || len(none) != 0 {
		t.Fatalf("history of unknown customer: got %d sessions, err %v, want none", len(none), err)
	}
}

func testHistorySameStart(t *testing.T, f *fixture) {
	a := f.start("cus-1", "ref-1", t0).Session
	b := f.start("cus-1", "ref-2", t0).Session

	got, err := f.store.History(f.ctx, "cus-1", t0, 100)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	want := []string{max(a.CallID, b.CallID), min(a.CallID, b.CallID)}
	if ids := callIDs(got); !slices.Equal(ids, want) {
		t.Fatalf("got %v, want %v (call ids descending on equal start times)", ids, want)
	}
}
