package callsession

import (
	"slices"
	"time"
)

// StartRequest is an agent's request to start a call session.
type StartRequest struct {
	CustomerID string
	// CallRef is the agent tool's own reference for the phone call, such as
	// the PBX call id. A repeated request with the same CallRef returns the
	// same session.
	CallRef string
	Agent   Agent
}

// CustomerState is the customer data that a store reads before a call start.
type CustomerState struct {
	// Replay is the session already stored under the request's call_ref, if any.
	Replay *Session
	// Pending is the customer's newest session whose stored status is
	// pending, if any. It may already be past its answer window, and then
	// there is nothing to supersede.
	Pending *Session
	// RecentStarts holds the start times of the customer's sessions that lie
	// within the push budget period before now, in any order.
	RecentStarts []time.Time
}

// StartPlan is the outcome of planning a call start: a new session and the
// pending one it supersedes, or the replay of an earlier start with the
// same call_ref.
type StartPlan struct {
	Session Session
	// Created is false for a replay, which writes nothing.
	Created bool
	// Supersede is the call id of the pending session to expire, or "".
	Supersede string
}

// PlanStart decides what a call start does for a customer in state st at now.
// It returns a CodeConflict error when the call_ref belongs to another
// customer, and a CodeRateLimited error with RetryAfter when the customer's
// push budget is spent. The request must already be validated.
func PlanStart(st CustomerState, req StartRequest, now time.Time, cfg Config) (StartPlan, error) {
	if st.Replay != nil {
		if st.Replay.CustomerID != req.CustomerID {
			return StartPlan{}, Errorf(CodeConflict,
				"call_ref %q was already used for another customer: use a new call_ref for each call", req.CallRef)
		}
		return StartPlan{Session: *st.Replay}, nil
	}

	if wait, spent := budgetWait(st.RecentStarts, now, cfg); spent {
		return StartPlan{}, &Error{
			Code: CodeRateLimited,
			Message: "push budget for this customer is spent: use the bank's other identification procedures, " +
				"or retry after the Retry-After interval",
			RetryAfter: wait,
		}
	}

	s := Session{
		CallID:      NewCallID(),
		CustomerID:  req.CustomerID,
		CallRef:     req.CallRef,
		Agent:       req.Agent,
		Status:      StatusPending,
		MatchCode:   NewMatchCode(cfg.MatchCodeDigits),
		StartedAt:   now,
		AnswerBy:    now.Add(cfg.AnswerWindow),
		RetainUntil: now.Add(cfg.Retention),
	}
	plan := StartPlan{Session: s, Created: true}
	if st.Pending != nil && st.Pending.StatusAt(now) == StatusPending {
		plan.Supersede = st.Pending.CallID
	}
	return plan, nil
}

// budgetWait reports whether the budget is spent at now and, if so, how long
// until the oldest start in the rolling period leaves it.
func budgetWait(starts []time.Time, now time.Time, cfg Config) (time.Duration, bool) {
	// A start later than now still counts: under concurrency another request
	// may have stored its start after this request read the clock.
	windowStart := now.Add(-cfg.PushBudgetPeriod)
	var inWindow []time.Time
	for _, t := range starts {
		if t.After(windowStart) {
			inWindow = append(inWindow, t)
		}
	}
	if len(inWindow) < cfg.PushBudget {
		return 0, false
	}

	// The budget frees up when enough starts have left the period that one
	// more fits: that is when the (n-budget+1)-th oldest start leaves.
	sorted := slices.SortedFunc(slices.Values(inWindow), time.Time.Compare)
	freeing := sorted[len(sorted)-cfg.PushBudget]
	wait := freeing.Add(cfg.PushBudgetPeriod).Sub(now)
	return max(wait, time.Second), true
}

// Supersede returns s expired because the call newCallID replaced it.
func Supersede(s Session, newCallID string) Session {
	s.Status = StatusExpired
	s.Ended = EndSuperseded
	s.SupersededBy = newCallID
	return s
}
