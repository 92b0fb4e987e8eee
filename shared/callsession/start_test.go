package callsession_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func TestPlanStartNewSession(t *testing.T) {
	cfg := callsession.DefaultConfig()
	req := startRequest("pbx-7")

	plan, err := callsession.PlanStart(callsession.CustomerState{}, req, t0, cfg)
	checkCode(t, err, "")

	s := plan.Session
	if !plan.Created {
		t.Errorf("got created false, want true")
	}
	if plan.Supersede != "" {
		t.Errorf("got supersede %q, want none", plan.Supersede)
	}
	if !strings.HasPrefix(s.CallID, "call_") {
		t.Errorf("got call id %q, want the prefix call_", s.CallID)
	}
	if s.CustomerID != req.CustomerID {
		t.Errorf("got customer id %q, want %q", s.CustomerID, req.CustomerID)
	}
	if s.CallRef != req.CallRef {
		t.Errorf("got call_ref %q, want %q", s.CallRef, req.CallRef)
	}
	if s.Agent != req.Agent {
		t.Errorf("got agent %+v, want %+v", s.Agent, req.Agent)
	}
	if s.Status != callsession.StatusPending {
		t.Errorf("got status %q, want %q", s.Status, callsession.StatusPending)
	}
	if !s.StartedAt.Equal(t0) {
		t.Errorf("got started_at %s, want %s", s.StartedAt, t0)
	}
	if want := t0.Add(cfg.AnswerWindow); !s.AnswerBy.Equal(want) {
		t.Errorf("got answer_by %s, want %s", s.AnswerBy, want)
	}
	if want := t0.Add(cfg.Retention); !s.RetainUntil.Equal(want) {
		t.Errorf("got retain_until %s, want %s", s.RetainUntil, want)
	}
	if !s.AccessUntil.IsZero() {
		t.Errorf("got access_until %s, want zero for a pending session", s.AccessUntil)
	}
	if s.WrongCodes != 0 {
		t.Errorf("got %d wrong codes, want 0", s.WrongCodes)
	}
	if s.Ended != "" {
		t.Errorf("got end reason %q, want none", s.Ended)
	}
}

func TestPlanStartCallIDsDiffer(t *testing.T) {
	cfg := callsession.DefaultConfig()
	seen := make(map[string]bool)
	for i := range 100 {
		plan, err := callsession.PlanStart(callsession.CustomerState{}, startRequest("pbx-7"), t0, cfg)
		checkCode(t, err, "")
		if seen[plan.Session.CallID] {
			t.Fatalf("got call id %q twice after %d starts, want a new id per start", plan.Session.CallID, i)
		}
		seen[plan.Session.CallID] = true
	}
}

func TestPlanStartMatchCodeLength(t *testing.T) {
	for digits := 2; digits <= 6; digits++ {
		t.Run(fmt.Sprintf("%d digits", digits), func(t *testing.T) {
			cfg := callsession.DefaultConfig()
			cfg.MatchCodeDigits = digits

			// Many starts, so that a code with a dropped leading zero shows up.
			for range 200 {
				plan, err := callsession.PlanStart(callsession.CustomerState{}, startRequest("pbx-7"), t0, cfg)
				checkCode(t, err, "")
				code := plan.Session.MatchCode
				if len(code) != digits {
					t.Fatalf("got match code %q of length %d, want %d digits", code, len(code), digits)
				}
				if strings.Trim(code, "0123456789") != "" {
					t.Fatalf("got match code %q, want digits only", code)
				}
			}
		})
	}
}

func TestPlanStartReplay(t *testing.T) {
	cfg := callsession.DefaultConfig()
	earlier := pendingSession()
	st := callsession.CustomerState{
		Replay:  &earlier,
		Pending: &earlier,
		// A spent budget does not block a replay, which pushes nothing.
		RecentStarts: []time.Time{t0, t0, t0, t0, t0},
	}

	plan, err := callsession.PlanStart(st, startRequest(earlier.CallRef), t0.Add(time.Minute), cfg)
	checkCode(t, err, "")

	if plan.Created {
		t.Errorf("got created true, want false for a replay")
	}
	if plan.Supersede != "" {
		t.Errorf("got supersede %q, want none for a replay", plan.Supersede)
	}
	if plan.Session.CallID != earlier.CallID {
		t.Errorf("got call id %q, want the earlier %q", plan.Session.CallID, earlier.CallID)
	}
	if plan.Session.MatchCode != earlier.MatchCode {
		t.Errorf("got match code %q, want the earlier %q", plan.Session.MatchCode, earlier.MatchCode)
	}
	if !plan.Session.StartedAt.Equal(earlier.StartedAt) {
		t.Errorf("got started_at %s, want the earlier %s", plan.Session.StartedAt, earlier.StartedAt)
	}
}

func TestPlanStartCallRefOfOtherCustomer(t *testing.T) {
	earlier := pendingSession()
	earlier.CustomerID = otherCustomer.ID
	st := callsession.CustomerState{Replay: &earlier}

	plan, err := callsession.PlanStart(st, startRequest(earlier.CallRef), t0.Add(time.Minute), callsession.DefaultConfig())
	checkCode(t, err, callsession.CodeConflict)

	if plan.Created {
		t.Errorf("got created true, want false")
	}
	if plan.Session.CallID != "" {
		t.Errorf("got session %q, want none so the other customer's session is not shown", plan.Session.CallID)
	}
	if msg := domainError(t, err).Message; !strings.Contains(msg, earlier.CallRef) {
		t.Errorf("got message %q, want it to name the call_ref %q", msg, earlier.CallRef)
	}
}

func TestPlanStartSupersede(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answerBy := t0.Add(cfg.AnswerWindow)

	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"inside answer window", t0.Add(time.Minute), "call_pending"},
		{"before answer_by", answerBy.Add(-time.Nanosecond), "call_pending"},
		{"at answer_by", answerBy, ""},
		{"after answer_by", answerBy.Add(time.Hour), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pending := pendingSession()
			st := callsession.CustomerState{Pending: &pending, RecentStarts: []time.Time{pending.StartedAt}}

			plan, err := callsession.PlanStart(st, startRequest("pbx-new"), tt.now, cfg)
			checkCode(t, err, "")

			if !plan.Created {
				t.Errorf("got created false, want true")
			}
			if plan.Supersede != tt.want {
				t.Errorf("got supersede %q, want %q", plan.Supersede, tt.want)
			}
			if plan.Session.CallID == pending.CallID {
				t.Errorf("got the pending session's call id %q, want a new one", plan.Session.CallID)
			}
		})
	}
}

func TestPlanStartBudget(t *testing.T) {
	cfg := callsession.DefaultConfig() // 5 starts per rolling hour
	now := t0.Add(2 * time.Hour)

	// minutesAgo returns start times the given numbers of minutes before now.
	minutesAgo := func(minutes ...time.Duration) []time.Time {
		var out []time.Time
		for _, m := range minutes {
			out = append(out, now.Add(-m*time.Minute))
		}
		return out
	}

	tests := []struct {
		name       string
		starts     []time.Time
		wantCode   callsession.Code
		retryAfter time.Duration
	}{
		{"no starts", nil, "", 0},
		{"4 starts", minutesAgo(50, 40, 30, 1), "", 0},
		{"5 starts", minutesAgo(50, 40, 30, 20, 1), callsession.CodeRateLimited, 10 * time.Minute},
		{"5 starts unsorted", minutesAgo(1, 30, 50, 20, 40), callsession.CodeRateLimited, 10 * time.Minute},
		{"5 starts at now", minutesAgo(0, 0, 0, 0, 0), callsession.CodeRateLimited, time.Hour},
		{"6 starts", minutesAgo(55, 50, 40, 30, 20, 1), callsession.CodeRateLimited, 10 * time.Minute},
		{"oldest outside period", minutesAgo(61, 40, 30, 20, 1), "", 0},
		{"oldest at period edge", minutesAgo(60, 40, 30, 20, 1), "", 0},
		{"oldest just inside period", []time.Time{now.Add(-time.Hour + time.Second), now.Add(-40 * time.Minute), now.Add(-30 * time.Minute), now.Add(-20 * time.Minute), now.Add(-time.Minute)}, callsession.CodeRateLimited, time.Second},
		// RetryAfter is at least 1s, so that a Retry-After header never says 0.
		{"oldest leaves in 1ms", []time.Time{now.Add(-time.Hour + time.Millisecond), now.Add(-40 * time.Minute), now.Add(-30 * time.Minute), now.Add(-20 * time.Minute), now.Add(-time.Minute)}, callsession.CodeRateLimited, time.Second},
		{"old starts not counted", minutesAgo(180, 120, 90, 61, 1), "", 0},
		{"later start counted", append(minutesAgo(40, 30, 20, 1), now.Add(time.Minute)), callsession.CodeRateLimited, 20 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := callsession.CustomerState{RecentStarts: tt.starts}

			plan, err := callsession.PlanStart(st, startRequest("pbx-new"), now, cfg)
			checkCode(t, err, tt.wantCode)

			if tt.wantCode == "" {
				if !plan.Created {
					t.Errorf("got created false, want true")
				}
				return
			}
			if plan.Created {
				t.Errorf("got created true, want false when the budget is spent")
			}
			if got := domainError(t, err).RetryAfter; got != tt.retryAfter {
				t.Errorf("got retry after %s, want %s", got, tt.retryAfter)
			}
		})
	}
}

func TestPlanStartBudgetFreesAtRetryAfter(t *testing.T) {
	cfg := callsession.DefaultConfig()
	now := t0.Add(2 * time.Hour)
	st := callsession.CustomerState{RecentStarts: []time.Time{
		now.Add(-47 * time.Minute), now.Add(-33 * time.Minute), now.Add(-20 * time.Minute),
		now.Add(-13 * time.Minute), now.Add(-2 * time.Minute),
	}}

	_, err := callsession.PlanStart(st, startRequest("pbx-new"), now, cfg)
	checkCode(t, err, callsession.CodeRateLimited)
	retryAfter := domainError(t, err).RetryAfter
	if retryAfter != 13*time.Minute {
		t.Fatalf("got retry after %s, want 13m0s", retryAfter)
	}

	_, err = callsession.PlanStart(st, startRequest("pbx-new"), now.Add(retryAfter-time.Nanosecond), cfg)
	checkCode(t, err, callsession.CodeRateLimited)

	plan, err := callsession.PlanStart(st, startRequest("pbx-new"), now.Add(retryAfter), cfg)
	checkCode(t, err, "")
	if !plan.Created {
		t.Errorf("got created false at now+retry after, want true")
	}
}

func TestPlanStartBudgetConfigured(t *testing.T) {
	cfg := callsession.DefaultConfig()
	cfg.PushBudget = 2
	cfg.PushBudgetPeriod = 10 * time.Minute
	now := t0.Add(time.Hour)

	tests := []struct {
		name       string
		starts     []time.Time
		wantCode   callsession.Code
		retryAfter time.Duration
	}{
		{"1 start", []time.Time{now.Add(-time.Minute)}, "", 0},
		{"2 starts", []time.Time{now.Add(-9 * time.Minute), now.Add(-time.Minute)}, callsession.CodeRateLimited, time.Minute},
		{"3 starts", []time.Time{now.Add(-9 * time.Minute), now.Add(-5 * time.Minute), now.Add(-time.Minute)}, callsession.CodeRateLimited, 5 * time.Minute},
		{"older start at edge", []time.Time{now.Add(-10 * time.Minute), now.Add(-time.Minute)}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := callsession.PlanStart(callsession.CustomerState{RecentStarts: tt.starts}, startRequest("pbx-new"), now, cfg)
			checkCode(t, err, tt.wantCode)
			if tt.wantCode == "" {
				return
			}
			if got := domainError(t, err).RetryAfter; got != tt.retryAfter {
				t.Errorf("got retry after %s, want %s", got, tt.retryAfter)
			}
		})
	}
}
