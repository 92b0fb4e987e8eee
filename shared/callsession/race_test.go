package callsession_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// TestServiceAnswerRace answers one session from many goroutines at once,
// half confirming with the right code and half denying. Run it with -race.
func TestServiceAnswerRace(t *testing.T) {
	const answers = 64
	f := newServiceFixture(t)
	sess := f.start(t, "pbx-1")
	f.clock.Advance(time.Minute)

	type outcome struct {
		answer callsession.Answer
		res    callsession.AnswerResult
		err    error
	}
	outcomes := make([]outcome, answers)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			a, code := callsession.AnswerConfirm, sess.MatchCode
			if i%2 == 1 {
				a, code = callsession.AnswerDeny, ""
			}
			<-ready
			res, err := f.svc.Answer(context.Background(), customerCaller,
				callsession.AnswerRequest{CallID: sess.CallID, Answer: a, MatchCode: code})
			outcomes[i] = outcome{answer: a, res: res, err: err}
		})
	}
	close(ready)
	wg.Wait()

	var winners []outcome
	for i, o := range outcomes {
		if o.res.Changed {
			winners = append(winners, o)
			if o.err != nil {
				t.Errorf("answer %d: got changed true with error %v, want no error", i, o.err)
			}
			continue
		}
		switch code := callsession.ErrorCode(o.err); code {
		case "", callsession.CodeConflict:
		default:
			t.Errorf("answer %d (%s): got error code %q (err %v), want success or %q", i, o.answer, code, o.err, callsession.CodeConflict)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("got %d answers with changed true, want exactly 1", len(winners))
	}
	winner := winners[0]

	// Every unchanged success repeated the winner's answer.
	for i, o := range outcomes {
		if o.err == nil && !o.res.Changed && o.answer != winner.answer {
			t.Errorf("answer %d: got success for %s after the winning %s, want %q", i, o.answer, winner.answer, callsession.CodeConflict)
		}
	}

	stored := f.stored(t, sess.CallID)
	if !reflect.DeepEqual(stored, winner.res.Session) {
		t.Errorf("got stored session %+v, want the winner's %+v", stored, winner.res.Session)
	}
	// Fraud alerts are at least once: every successful deny publishes one,
	// and nothing else does.
	wantAlerts := 0
	for _, o := range outcomes {
		if o.err == nil && o.answer == callsession.AnswerDeny {
			wantAlerts++
		}
	}
	if winner.answer == callsession.AnswerDeny && wantAlerts == 0 {
		t.Errorf("the winning deny reported no success")
	}
	if n := len(f.pusher.Alerts()); n != wantAlerts {
		t.Errorf("got %d fraud alerts after the winning %s, want %d, one per successful deny", n, winner.answer, wantAlerts)
	}
}
