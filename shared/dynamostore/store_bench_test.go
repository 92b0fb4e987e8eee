package dynamostore_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
)

// BenchmarkStore measures the store's operations against DynamoDB Local on
// 127.0.0.1, which the benchmark starts: the figures are those of the
// emulator and the SDK client over loopback, not of DynamoDB. Session, one
// GetItem, is the baseline of the others. Without the emulator the
// benchmark is skipped, or fails when $YOURANG_REQUIRE_INTEGRATION is 1.
// BENCHMARKS.md records the results.
func BenchmarkStore(b *testing.B) {
	// One table for all sub-benchmarks, and one emulator held until the
	// last of them ends, so that the JVM starts once per run.
	client, table := dynamolocal.ForTest(b)
	store := dynamostore.New(client, table)
	env := &benchStoreEnv{store: store, cfg: callsession.DefaultConfig()}
	env.warmUp(b, benchStoreWarmUp)

	b.Run("Session", func(b *testing.B) {
		callID := env.confirmed(b)
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.Session(ctx, callID); err != nil {
				b.Fatalf("session: %v", err)
			}
		}
	})
	b.Run("Disclose/1_field", func(b *testing.B) {
		benchDisclose(b, env, []string{"balance"})
	})
	b.Run("Disclose/6_fields", func(b *testing.B) {
		benchDisclose(b, env, []string{"balance", "available_balance", "latest_transactions", "direct_debits", "account_number", "address"})
	})
	b.Run("ServiceGate/10_mixed", func(b *testing.B) {
		// The whole gate on this store: validation, the policy, one
		// UpdateItem for the 6 sensitive fields, and the decisions.
		svc := callsession.NewService(store, env.cfg, callsession.WithLogger(slog.New(slog.DiscardHandler)))
		fields := []string{
			"name_on_file", "card_status",
			"balance", "available_balance", "latest_transactions", "direct_debits", "account_number", "address",
			"freeze_card",
			"favourite_colour",
		}
		var supply benchStoreSupply
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			res, err := svc.Gate(ctx, benchStoreAgent, supply.next(b, env), fields)
			if err != nil {
				b.Fatalf("gate: %v", err)
			}
			if !res.Decisions[2].Allowed {
				b.Fatalf("gate denied %s: %s", res.Decisions[2].Field, res.Decisions[2].Reason)
			}
		}
	})
	b.Run("StartSession", func(b *testing.B) {
		// Each start is for a new customer, the usual case: no replay, no
		// session to supersede, and a push budget with room.
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			plan, _, err := env.startSession(ctx, env.nextRequest())
			if err != nil {
				b.Fatalf("start session: %v", err)
			}
			if !plan.Created {
				b.Fatalf("start session %s was a replay, want a new session", plan.Session.CallID)
			}
		}
	})
}

// benchStoreWarmUp is how long the emulator runs the benchmarked operations
// before the first measurement. A fresh JVM interprets the emulator's code
// at first and compiles it as it runs, and without a warm-up the first
// sub-benchmark measured the compilation: Disclose of 1 field took longer
// than Disclose of 6.
const benchStoreWarmUp = 3 * time.Second

// benchStoreBatch is how many confirmed sessions a benchmark prepares at
// once, with the timer stopped.
const benchStoreBatch = 16

// benchStoreGatesPerSession is how many Disclose calls each session serves
// before a benchmark moves to the next one. Disclosures accumulate on the
// session item, which UpdateItem returns whole and DynamoDB limits to 400 KB,
// so without a bound the cost would grow with b.N.
// NOTE: 20 requests per call is an assumption, not a measured figure.
const benchStoreGatesPerSession = 20

var benchStoreAgent = callsession.Caller{Kind: callsession.CallerAgent, ID: "arn:aws:iam::000000000000:role/bench-agent-tool"}

// benchStoreEnv creates sessions in the store for new customers.
type benchStoreEnv struct {
	store     *dynamostore.Store
	cfg       callsession.Config
	customers int
}

func (e *benchStoreEnv) nextRequest() callsession.StartRequest {
	e.customers++
	customerID := fmt.Sprintf("cus_%06d", e.customers)
	return callsession.StartRequest{
		CustomerID: customerID,
		CallRef:    "pbx-" + customerID,
		Agent:      callsession.Agent{ID: "agt_042", DisplayName: "Hawa"},
	}
}

// startSession runs StartSession with the service's own plan at the
// current time.
func (e *benchStoreEnv) startSession(ctx context.Context, req callsession.StartRequest) (callsession.StartPlan, []callsession.Device, error) {
	now := time.Now().UTC()
	return e.store.StartSession(ctx, req, now.Add(-e.cfg.PushBudgetPeriod), func(st callsession.CustomerState) (callsession.StartPlan, error) {
		return callsession.PlanStart(st, req, now, e.cfg)
	})
}

// confirmed starts a session for a new customer, confirms it with the right
// match code and returns its call id.
func (e *benchStoreEnv) confirmed(b *testing.B) string {
	b.Helper()
	ctx := b.Context()
	req := e.nextRequest()
	plan, _, err := e.startSession(ctx, req)
	if err != nil {
		b.Fatalf("start session: %v", err)
	}
	sess := plan.Session
	answer := callsession.AnswerRequest{
		CallID:     sess.CallID,
		CustomerID: req.CustomerID,
		Answer:     callsession.AnswerConfirm,
		MatchCode:  sess.MatchCode,
	}
	if _, err := e.store.Answer(ctx, answer, time.Now().UTC(), e.cfg); err != nil {
		b.Fatalf("confirm session %s: %v", sess.CallID, err)
	}
	return sess.CallID
}

// warmUp starts, confirms, reads and discloses on sessions for d.
func (e *benchStoreEnv) warmUp(b *testing.B, d time.Duration) {
	b.Helper()
	ctx := b.Context()
	for end := time.Now().Add(d); time.Now().Before(end); {
		callID := e.confirmed(b)
		if _, err := e.store.Session(ctx, callID); err != nil {
			b.Fatalf("session: %v", err)
		}
		now := time.Now().UTC()
		ds := []callsession.Disclosure{{Field: "balance", Principal: benchStoreAgent.ID, At: now}}
		if _, _, err := e.store.Disclose(ctx, callID, ds, now); err != nil {
			b.Fatalf("disclose: %v", err)
		}
	}
}

// benchStoreSupply hands out confirmed sessions, each for
// benchStoreGatesPerSession requests, and prepares a new batch with the
// timer stopped when one runs out.
type benchStoreSupply struct {
	callIDs []string
	uses    int
}

func (s *benchStoreSupply) next(b *testing.B, env *benchStoreEnv) string {
	if s.uses == benchStoreGatesPerSession {
		s.callIDs, s.uses = s.callIDs[1:], 0
	}
	if len(s.callIDs) == 0 {
		b.StopTimer()
		for range benchStoreBatch {
			s.callIDs = append(s.callIDs, env.confirmed(b))
		}
		b.StartTimer()
	}
	s.uses++
	return s.callIDs[0]
}

func benchDisclose(b *testing.B, env *benchStoreEnv, fields []string) {
	var supply benchStoreSupply
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		now := time.Now().UTC()
		ds := make([]callsession.Disclosure, len(fields))
		for i, f := range fields {
			ds[i] = callsession.Disclosure{Field: f, Principal: benchStoreAgent.ID, At: now}
		}
		_, stored, err := env.store.Disclose(ctx, supply.next(b, env), ds, now)
		if err != nil {
			b.Fatalf("disclose: %v", err)
		}
		if !stored {
			b.Fatal("disclose stored nothing on a confirmed session")
		}
	}
}
