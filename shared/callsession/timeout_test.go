package callsession_test

import (
	"context"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
)

// stalledStore is a store whose reads for the gate hang until the context
// ends, like a DynamoDB endpoint that accepts connections and never answers.
type stalledStore struct {
	*memstore.Store
}

func (s stalledStore) Session(ctx context.Context, callID string) (callsession.Session, error) {
	<-ctx.Done()
	return callsession.Session{}, callsession.Unavailable("session store", ctx.Err())
}

func (s stalledStore) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	<-ctx.Done()
	return callsession.Session{}, false, callsession.Unavailable("session store", ctx.Err())
}

func TestGateStalledStoreTimesOut(t *testing.T) {
	svc := callsession.NewService(stalledStore{memstore.New()}, callsession.DefaultConfig(),
		callsession.WithStoreTimeout(50*time.Millisecond))

	for _, fields := range [][]string{{"balance", "freeze_card"}, {"name_on_file"}} {
		done := make(chan struct{})
		var (
			res callsession.GateResult
			err error
		)
		go func() {
			defer close(done)
			res, err = svc.Gate(context.Background(), agentCaller, "call_stalled", fields)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("gate for %v did not return within 10s with a 50ms store timeout", fields)
		}

		checkCode(t, err, callsession.CodeUnavailable)
		if len(res.Decisions) != len(fields) {
			t.Fatalf("got %d decisions, want %d", len(res.Decisions), len(fields))
		}
		for _, d := range res.Decisions {
			if d.Allowed || d.Reason != callsession.ReasonUnavailable {
				t.Errorf("decision for %s: got allowed=%v reason=%s, want denied as unavailable", d.Field, d.Allowed, d.Reason)
			}
		}
	}
}

func TestGateRecordsRepeatedFieldOnce(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	svc := callsession.NewService(store, callsession.DefaultConfig(),
		callsession.WithPusher(&recordingPusher{}), callsession.WithClock(newFakeClock(t0)))
	started, err := svc.Start(ctx, agentCaller, startRequest("pbx-dup"))
	if err != nil {
		t.Fatal(err)
	}
	confirm := callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerConfirm, MatchCode: started.Session.MatchCode}
	if _, err := svc.Answer(ctx, customerCaller, confirm); err != nil {
		t.Fatal(err)
	}

	res, err := svc.Gate(ctx, agentCaller, started.Session.CallID, []string{"balance", "balance", "freeze_card", "balance"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Decisions) != 4 {
		t.Errorf("got %d decisions, want one per requested field: 4", len(res.Decisions))
	}
	stored, err := store.Session(ctx, started.Session.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Disclosures) != 1 || stored.Disclosures[0].Field != "balance" {
		t.Errorf("got disclosures %+v, want balance once", stored.Disclosures)
	}
}
