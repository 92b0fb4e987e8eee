package dynamostore_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
)

// roundTripDelay is added to every request so that requests sent in
// parallel overlap for certain, and the recorder counts them as one step.
const roundTripDelay = 40 * time.Millisecond

// recorder counts the requests a client sends and the sequential steps
// they form: a step starts whenever a request starts while none is in
// flight, so parallel requests share one step.
type recorder struct {
	mu       sync.Mutex
	inFlight int      // guarded by mu
	steps    int      // guarded by mu
	ops      []string // operation names, guarded by mu
}

// addTo registers the recorder in a client's Finalize step, after retries,
// so that each attempt counts.
func (r *recorder) addTo(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("RecordRoundTrips",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			r.begin(middleware.GetOperationName(ctx))
			defer r.end()
			time.Sleep(roundTripDelay)
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func (r *recorder) begin(op string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight == 0 {
		r.steps++
	}
	r.inFlight++
	r.ops = append(r.ops, op)
}

func (r *recorder) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight--
}

// take returns the steps and the sorted operations since the last call,
// and resets them.
func (r *recorder) take() (int, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	steps, ops := r.steps, slices.Sorted(slices.Values(r.ops))
	r.steps, r.ops = 0, nil
	return steps, strings.Join(ops, " ")
}

// TestRoundTrips checks the requests and sequential round trips of each
// operation against the budget in docs/dynamodb.md.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	srv := dynamolocal.ServerForTest(t)
	table := dynamolocal.TableName("roundtrips")
	if err := dynamostore.CreateTable(t.Context(), srv.Client(), table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	rec := &recorder{}
	client := srv.Client(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, rec.addTo) })
	s := dynamostore.New(client, table)
	ctx := t.Context()
	cfg := callsession.DefaultConfig()
	now := time.Now()

	start := func(ref string, at time.Time) callsession.StartPlan {
		t.Helper()
		req := callsession.StartRequest{CustomerID: "cus-1", CallRef: ref, Agent: callsession.Agent{ID: "agent-7", DisplayName: "Alex"}}
		p, _, err := s.StartSession(ctx, req, at.Add(-cfg.PushBudgetPeriod), func(st callsession.CustomerState) (callsession.StartPlan, error) {
			return callsession.PlanStart(st, req, at, cfg)
		})
		if err != nil {
			t.Fatalf("start %s: %v", ref, err)
		}
		return p
	}
	answer := func(sess callsession.Session, code string, want callsession.Code) {
		t.Helper()
		req := callsession.AnswerRequest{CallID: sess.CallID, CustomerID: sess.CustomerID, Answer: callsession.AnswerConfirm, MatchCode: code}
		_, err := s.Answer(ctx, req, now.Add(time.Second), cfg)
		if got := callsession.ErrorCode(err); got != want {
			t.Fatalf("answer: got error code %q (%v), want %q", got, err, want)
		}
	}

	first := start("ref-1", now)
	wantRoundTrips(t, rec, "first start", 2, "GetItem Query Query TransactWriteItems")

	second := start("ref-2", now.Add(time.Second))
	wantRoundTrips(t, rec, "start that supersedes", 2, "GetItem Query Query TransactWriteItems")
	if second.Supersede != first.Session.CallID {
		t.Fatalf("got Supersede %q, want %q", second.Supersede, first.Session.CallID)
	}

	start("ref-2", now.Add(2*time.Second))
	wantRoundTrips(t, rec, "replay", 2, "GetItem GetItem Query Query")

	wrong := "00"
	if second.Session.MatchCode == wrong {
		wrong = "01"
	}
	answer(second.Session, wrong, callsession.CodeWrongMatchCode)
	wantRoundTrips(t, rec, "wrong match code", 2, "UpdateItem UpdateItem")

	answer(second.Session, second.Session.MatchCode, "")
	wantRoundTrips(t, rec, "confirm", 1, "UpdateItem")

	answer(second.Session, second.Session.MatchCode, "")
	wantRoundTrips(t, rec, "repeated confirm", 1, "UpdateItem")

	// The previous session is confirmed, and the CustomerIndex copy read by
	// the next start shows it, so that start plans no supersede and needs no
	// second write.
	third := start("ref-3", now.Add(3*time.Second))
	wantRoundTrips(t, rec, "start after a confirmed session", 2, "GetItem Query Query TransactWriteItems")
	if third.Supersede != "" {
		t.Fatalf("got Supersede %q, want none", third.Supersede)
	}

	ds := []callsession.Disclosure{{Field: "iban", Principal: "agent-tool", At: now}}
	if _, ok, err := s.Disclose(ctx, second.Session.CallID, ds, now.Add(2*time.Second)); err != nil || !ok {
		t.Fatalf("disclose: got %v, err %v, want true", ok, err)
	}
	wantRoundTrips(t, rec, "disclose", 1, "UpdateItem")

	if _, err := s.Session(ctx, second.Session.CallID); err != nil {
		t.Fatalf("read session: %v", err)
	}
	wantRoundTrips(t, rec, "session", 1, "GetItem")
}

func wantRoundTrips(t *testing.T, rec *recorder, what string, steps int, ops string) {
	t.Helper()
	gotSteps, gotOps := rec.take()
	if gotOps != ops {
		t.Fatalf("%s: got requests %q, want %q", what, gotOps, ops)
	}
	if gotSteps != steps {
		t.Fatalf("%s: got %d sequential round trips, want %d", what, gotSteps, steps)
	}
}
