package callsession_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
)

// The benchmarks in this file run the service on the embedded store, so they
// measure the domain rules, validation and the service's own work with a
// store that costs a map lookup. BENCHMARKS.md records the results.
//
// BenchmarkServiceSession is the baseline: a plain read of one session. The
// other benchmarks are reported as ratios to it.

// benchBatch is how many sessions a benchmark prepares at once, with the
// timer stopped, in a new store. A new store for each batch keeps the store
// small, because memstore scans every stored session on a call start.
const benchBatch = 64

// benchGatesPerSession is how many gate requests each confirmed session
// serves before a benchmark moves to the next one. Every allowed sensitive
// field appends a disclosure to the session, and memstore copies them all
// on each read, so without a bound the cost would grow with b.N.
// NOTE: 20 requests per call is an assumption, not a measured figure.
const benchGatesPerSession = 20

// benchDevicesPerCustomer is the number of enabled phones of each customer.
const benchDevicesPerCustomer = 2

var benchAgent = callsession.Caller{Kind: callsession.CallerAgent, ID: "arn:aws:iam::000000000000:role/bench-agent-tool"}

// The gate requests of the benchmarks. benchMixedFields contains 2 public, 6
// sensitive, 1 emergency and 1 unknown field.
var (
	benchSensitiveField = []string{"balance"}
	benchPublicFields   = []string{"name_on_file", "card_status", "preferred_contact_time"}
	benchMixedFields    = []string{
		"name_on_file", "card_status",
		"balance", "available_balance", "latest_transactions", "direct_debits", "account_number", "address",
		"freeze_card",
		"favourite_colour",
	}
)

// benchPusher is a Pusher that only counts notifications, so that a
// benchmark measures the service and not a push channel.
type benchPusher struct {
	notified atomic.Int64
}

var _ callsession.Pusher = (*benchPusher)(nil)

func (p *benchPusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	return "arn:aws:sns:local:000000000000:endpoint/" + string(d.Platform) + "/bench/" + d.DeviceID, nil
}

func (p *benchPusher) Unregister(ctx context.Context, d callsession.Device) error { return nil }

func (p *benchPusher) Notify(ctx context.Context, d callsession.Device, n callsession.Notification) error {
	p.notified.Add(1)
	return nil
}

func (p *benchPusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error { return nil }

// benchEnv is a service on a new embedded store whose customers each have
// benchDevicesPerCustomer enabled phones.
type benchEnv struct {
	svc       *callsession.Service
	store     *memstore.Store
	pusher    *benchPusher
	customers int
}

func newBenchEnv() *benchEnv {
	store := memstore.New()
	pusher := &benchPusher{}
	svc := callsession.NewService(store, callsession.DefaultConfig(),
		callsession.WithPusher(pusher),
		callsession.WithLogger(slog.New(slog.DiscardHandler)))
	return &benchEnv{svc: svc, store: store, pusher: pusher}
}

// newCustomer registers a new customer's phones and returns the request
// that starts a call for that customer.
func (e *benchEnv) newCustomer(b *testing.B) callsession.StartRequest {
	b.Helper()
	e.customers++
	customerID := fmt.Sprintf("cus_%06d", e.customers)
	for i := range benchDevicesPerCustomer {
		d := callsession.Device{
			CustomerID:  customerID,
			DeviceID:    fmt.Sprintf("phone-%d", i),
			Platform:    callsession.PlatformAPNS,
			Token:       "token",
			EndpointARN: "arn:aws:sns:local:000000000000:endpoint/APNS/bench/" + customerID,
			Enabled:     true,
		}
		if err := e.store.PutDevice(b.Context(), d); err != nil {
			b.Fatalf("put device: %v", err)
		}
	}
	return callsession.StartRequest{
		CustomerID: customerID,
		CallRef:    "pbx-" + customerID,
		Agent:      callsession.Agent{ID: "agt_042", DisplayName: "Hawa"},
	}
}

// start starts a call for a new customer and returns the pending session.
func (e *benchEnv) start(b *testing.B) callsession.Session {
	b.Helper()
	res, err := e.svc.Start(b.Context(), benchAgent, e.newCustomer(b))
	if err != nil {
		b.Fatalf("start call: %v", err)
	}
	return res.Session
}

// pending stores a pending session for a new customer with the store's
// StartSession and the service's plan, and returns it. It skips the pushes
// of Service.Start, which would cost several times the answer measured on
// the session.
func (e *benchEnv) pending(b *testing.B) callsession.Session {
	b.Helper()
	req := e.newCustomer(b)
	cfg := e.svc.Config()
	now := time.Now().UTC()
	plan, _, err := e.store.StartSession(b.Context(), req, now.Add(-cfg.PushBudgetPeriod), func(st callsession.CustomerState) (callsession.StartPlan, error) {
		return callsession.PlanStart(st, req, now, cfg)
	})
	if err != nil {
		b.Fatalf("start session: %v", err)
	}
	return plan.Session
}

// confirmed starts a call for a new customer, confirms it with the right
// match code and returns its call id.
func (e *benchEnv) confirmed(b *testing.B) string {
	b.Helper()
	sess := e.start(b)
	customer := callsession.Caller{Kind: callsession.CallerCustomer, ID: sess.CustomerID}
	req := callsession.AnswerRequest{CallID: sess.CallID, Answer: callsession.AnswerConfirm, MatchCode: sess.MatchCode}
	if _, err := e.svc.Answer(b.Context(), customer, req); err != nil {
		b.Fatalf("confirm call %s: %v", sess.CallID, err)
	}
	return sess.CallID
}

// confirmedSupply hands out confirmed sessions, each for
// benchGatesPerSession gate requests, and prepares a new batch in a new
// store with the timer stopped when one runs out.
type confirmedSupply struct {
	env     *benchEnv
	callIDs []string
	uses    int
}

func (s *confirmedSupply) next(b *testing.B) (*callsession.Service, string) {
	if s.uses == benchGatesPerSession {
		s.callIDs, s.uses = s.callIDs[1:], 0
	}
	if len(s.callIDs) == 0 {
		b.StopTimer()
		s.env = newBenchEnv()
		for range benchBatch {
			s.callIDs = append(s.callIDs, s.env.confirmed(b))
		}
		b.StartTimer()
	}
	s.uses++
	return s.env.svc, s.callIDs[0]
}

func BenchmarkServiceSession(b *testing.B) {
	env := newBenchEnv()
	callID := env.confirmed(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.svc.Session(ctx, benchAgent, callID); err != nil {
			b.Fatalf("session: %v", err)
		}
	}
}

func BenchmarkServiceGate(b *testing.B) {
	b.Run("confirmed/1_sensitive", func(b *testing.B) {
		benchGateConfirmed(b, benchSensitiveField, 1)
	})
	b.Run("confirmed/10_mixed", func(b *testing.B) {
		// Allowed: 2 public, 6 sensitive and 1 emergency field.
		benchGateConfirmed(b, benchMixedFields, 9)
	})
	b.Run("confirmed/3_public", func(b *testing.B) {
		// No sensitive field, so the gate reads the session and writes nothing.
		benchGateConfirmed(b, benchPublicFields, 3)
	})
	b.Run("pending/10_mixed", func(b *testing.B) {
		env := newBenchEnv()
		callID := env.start(b).CallID
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			res, err := env.svc.Gate(ctx, benchAgent, callID, benchMixedFields)
			if err != nil {
				b.Fatalf("gate: %v", err)
			}
			// Only the public and emergency fields, never a sensitive one.
			checkAllowed(b, res, 3)
		}
	})
}

func benchGateConfirmed(b *testing.B, fields []string, wantAllowed int) {
	var supply confirmedSupply
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		svc, callID := supply.next(b)
		res, err := svc.Gate(ctx, benchAgent, callID, fields)
		if err != nil {
			b.Fatalf("gate: %v", err)
		}
		checkAllowed(b, res, wantAllowed)
	}
}

func checkAllowed(b *testing.B, res callsession.GateResult, want int) {
	got := 0
	for _, d := range res.Decisions {
		if d.Allowed {
			got++
		}
	}
	if got != want {
		b.Fatalf("gate allowed %d fields, want %d: %+v", got, want, res.Decisions)
	}
}

// BenchmarkServiceStart measures a whole call start: validation, the store's
// read, plan and write, a push to each of 2 phones, and the record of the
// push outcome.
func BenchmarkServiceStart(b *testing.B) {
	var (
		env      *benchEnv
		requests []callsession.StartRequest
		starts   int64
		notified int64
	)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if len(requests) == 0 {
			b.StopTimer()
			if env != nil {
				notified += env.pusher.notified.Load()
			}
			env = newBenchEnv()
			for range benchBatch {
				requests = append(requests, env.newCustomer(b))
			}
			b.StartTimer()
		}

		res, err := env.svc.Start(ctx, benchAgent, requests[0])
		if err != nil {
			b.Fatalf("start call: %v", err)
		}
		if res.Session.Push.Sent != benchDevicesPerCustomer {
			b.Fatalf("start call pushed to %d phones, want %d", res.Session.Push.Sent, benchDevicesPerCustomer)
		}
		requests = requests[1:]
		starts++
	}

	notified += env.pusher.notified.Load()
	if want := starts * benchDevicesPerCustomer; notified != want {
		b.Fatalf("pusher got %d notifications, want %d", notified, want)
	}
}

// BenchmarkServiceAnswerConfirm measures a customer's confirmation with the
// right match code.
func BenchmarkServiceAnswerConfirm(b *testing.B) {
	var (
		env     *benchEnv
		pending []callsession.Session
	)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if len(pending) == 0 {
			b.StopTimer()
			env = newBenchEnv()
			for range benchBatch {
				pending = append(pending, env.pending(b))
			}
			b.StartTimer()
		}

		sess := pending[0]
		customer := callsession.Caller{Kind: callsession.CallerCustomer, ID: sess.CustomerID}
		req := callsession.AnswerRequest{CallID: sess.CallID, Answer: callsession.AnswerConfirm, MatchCode: sess.MatchCode}
		res, err := env.svc.Answer(ctx, customer, req)
		if err != nil {
			b.Fatalf("confirm call %s: %v", sess.CallID, err)
		}
		if !res.Changed {
			b.Fatalf("confirm call %s changed nothing", sess.CallID)
		}
		pending = pending[1:]
	}
}
