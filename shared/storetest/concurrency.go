package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// concurrency is how many goroutines race in each concurrency test.
const concurrency = 12

// race runs fn(i) for i in [0, concurrency) at once and returns the results
// in order of i.
func race[T any](fn func(i int) T) []T {
	out := make([]T, concurrency)
	var (
		wg    sync.WaitGroup
		ready sync.WaitGroup
		start = make(chan struct{})
	)
	ready.Add(concurrency)
	for i := range concurrency {
		wg.Go(func() {
			ready.Done()
			<-start
			out[i] = fn(i)
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	return out
}

type answerOutcome struct {
	res callsession.AnswerResult
	err error
}

func testConcurrentAnswers(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	outcomes := race(func(int) answerOutcome {
		res, err := f.answer(s, callsession.AnswerConfirm, s.MatchCode, t0.Add(time.Minute))
		return answerOutcome{res, err}
	})

	changed := 0
	for i, o := range outcomes {
		if o.err != nil {
			t.Fatalf("answer %d: %v", i, o.err)
		}
		if o.res.Session.Status != callsession.StatusConfirmed {
			t.Fatalf("answer %d: got status %q, want confirmed", i, o.res.Session.Status)
		}
		if o.res.Changed {
			changed++
		}
	}
	if changed != 1 {
		t.Fatalf("got %d answers that changed the session, want 1", changed)
	}
	if got := f.session(s.CallID); got.Status != callsession.StatusConfirmed || got.WrongCodes != 0 {
		t.Fatalf("got stored status %q, wrong codes %d, want confirmed, 0", got.Status, got.WrongCodes)
	}
}

func testConcurrentWrongCodes(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	outcomes := race(func(int) answerOutcome {
		res, err := f.answer(s, callsession.AnswerConfirm, wrongCode(s), t0.Add(time.Minute))
		return answerOutcome{res, err}
	})

	counts := map[callsession.Code]int{}
	denied := 0
	for _, o := range outcomes {
		counts[callsession.ErrorCode(o.err)]++
		if o.res.Denied {
			denied++
		}
	}
	want := map[callsession.Code]int{
		callsession.CodeWrongMatchCode: cfg.MaxWrongCodes,
		callsession.CodeConflict:       concurrency - cfg.MaxWrongCodes,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("got error codes %v, want %v", counts, want)
	}
	if denied != 1 {
		t.Fatalf("got %d answers that denied the session, want 1", denied)
	}
	got := f.session(s.CallID)
	if got.Status != callsession.StatusDenied || got.WrongCodes != cfg.MaxWrongCodes || got.Ended != callsession.EndWrongMatchCodes {
		t.Fatalf("got stored status %q, wrong codes %d, ended %q, want denied, %d, %q",
			got.Status, got.WrongCodes, got.Ended, cfg.MaxWrongCodes, callsession.EndWrongMatchCodes)
	}
}

type startOutcome struct {
	plan callsession.StartPlan
	err  error
}

// testConcurrentStarts races starts of one customer with distinct call_refs:
// the push budget holds, and exactly one session is left pending.
func testConcurrentStarts(t *testing.T, f *fixture) {
	outcomes := race(func(i int) startOutcome {
		// Each start reads its own clock, as the service does, so a start
		// can find starts stored later than its own time.
		now := t0.Add(time.Minute + time.Duration(i)*time.Millisecond)
		p, _, err := f.tryStart("cus-1", fmt.Sprintf("ref-%d", i), now)
		return startOutcome{p, err}
	})

	var created []callsession.Session
	for i, o := range outcomes {
		switch code := callsession.ErrorCode(o.err); code {
		case "":
			if !o.plan.Created {
				t.Fatalf("start %d: got a replay, want a new session", i)
			}
			created = append(created, o.plan.Session)
		case callsession.CodeRateLimited, callsession.CodeConflict:
		default:
			t.Fatalf("start %d: got error code %q (%v), want none, %q or %q", i, code, o.err, callsession.CodeRateLimited, callsession.CodeConflict)
		}
	}
	if len(created) == 0 || len(created) > cfg.PushBudget {
		t.Fatalf("got %d sessions created, want 1 to %d", len(created), cfg.PushBudget)
	}

	pending := 0
	for _, c := range created {
		s := f.session(c.CallID)
		switch s.Status {
		case callsession.StatusPending:
			pending++
		case callsession.StatusExpired:
			if s.Ended != callsession.EndSuperseded || s.SupersededBy == "" {
				t.Fatalf("session %s: got ended %q, superseded_by %q, want superseded by a newer one", s.CallID, s.Ended, s.SupersededBy)
			}
		default:
			t.Fatalf("session %s: got status %q, want pending or expired", s.CallID, s.Status)
		}
	}
	if pending != 1 {
		t.Fatalf("got %d pending sessions, want 1", pending)
	}
}

// testConcurrentReplays races starts with one call_ref: one session is
// created and every other start replays it.
func testConcurrentReplays(t *testing.T, f *fixture) {
	outcomes := race(func(int) startOutcome {
		p, _, err := f.tryStart("cus-1", "ref-1", t0)
		return startOutcome{p, err}
	})

	created := 0
	callID := ""
	for i, o := range outcomes {
		if o.err != nil {
			wantCode(t, fmt.Sprintf("start %d", i), o.err, callsession.CodeConflict)
			continue
		}
		if o.plan.Created {
			created++
		}
		if callID == "" {
			callID = o.plan.Session.CallID
		}
		if o.plan.Session.CallID != callID {
			t.Fatalf("start %d: got session %s, want %s like the others", i, o.plan.Session.CallID, callID)
		}
	}
	if created != 1 {
		t.Fatalf("got %d starts that created a session, want 1", created)
	}
}
