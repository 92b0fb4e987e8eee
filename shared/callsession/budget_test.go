package callsession_test

import (
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// TestPlanStartCountsLaterStarts covers concurrent call starts: another
// request may store its start a moment after this request read the clock,
// and that start must still count against the budget.
func TestPlanStartCountsLaterStarts(t *testing.T) {
	cfg := callsession.DefaultConfig()
	now := t0
	st := callsession.CustomerState{}
	for i := range cfg.PushBudget {
		st.RecentStarts = append(st.RecentStarts, now.Add(time.Duration(i+1)*time.Millisecond))
	}

	_, err := callsession.PlanStart(st, startRequest("pbx-later"), now, cfg)
	e := domainError(t, err)
	if e.Code != callsession.CodeRateLimited {
		t.Fatalf("got code %s, want %s", e.Code, callsession.CodeRateLimited)
	}
	if e.RetryAfter < cfg.PushBudgetPeriod {
		t.Errorf("got Retry-After %s, want at least %s", e.RetryAfter, cfg.PushBudgetPeriod)
	}
}
