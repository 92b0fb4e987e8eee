package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/memstore"
)

// BenchmarkGate compares one gate request served by the HTTP handler with
// the same request made on the service directly, both on the embedded store.
// The ratio of the two is the cost of the HTTP layer: building the request,
// routing, the bearer token check, decoding the body and encoding the
// response. It leaves out the network and the Lambda adapter.
// BENCHMARKS.md records the results.
func BenchmarkGate(b *testing.B) {
	fieldSets := []struct {
		name   string
		fields []string
	}{
		{"1_sensitive", []string{"balance"}},
		{"10_mixed", []string{
			"name_on_file", "card_status",
			"balance", "available_balance", "latest_transactions", "direct_debits", "account_number", "address",
			"freeze_card",
			"favourite_colour",
		}},
	}
	for _, fs := range fieldSets {
		b.Run("service/"+fs.name, func(b *testing.B) {
			var supply gateSupply
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				env, callID := supply.next(b)
				if _, err := env.svc.Gate(ctx, benchAgentCaller, callID, fs.fields); err != nil {
					b.Fatalf("gate: %v", err)
				}
			}
		})
		b.Run("http/"+fs.name, func(b *testing.B) {
			body, err := json.Marshal(map[string][]string{"fields": fs.fields})
			if err != nil {
				b.Fatalf("encode gate request: %v", err)
			}
			var supply gateSupply
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				env, callID := supply.next(b)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/v1/calls/"+callID+"/gate", bytes.NewReader(body))
				if err != nil {
					b.Fatalf("new request: %v", err)
				}
				req.Header.Set("Authorization", "Bearer "+benchAgentToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				env.api.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("POST gate: got status %d, want 200: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

const benchAgentToken = "agent_bench_token_0001"

// benchAgentCaller is the caller that devauth returns for benchAgentToken,
// so that both sub-benchmarks record disclosures for the same principal.
var benchAgentCaller = callsession.Caller{Kind: callsession.CallerAgent, ID: devauth.AgentPrincipal}

// benchBatch is how many confirmed sessions a benchmark prepares at once,
// with the timer stopped, in a new store.
const benchBatch = 64

// benchGatesPerSession is how many gate requests each session serves before
// a benchmark moves to the next one. Each allowed sensitive field appends a
// disclosure to the session, and the embedded store copies them all on each
// read, so without a bound the cost would grow with b.N.
// NOTE: 20 requests per call is an assumption, not a measured figure.
const benchGatesPerSession = 20

// benchGateEnv is a service and its HTTP handler on a new embedded store.
type benchGateEnv struct {
	svc *callsession.Service
	api *httpapi.API
}

func newBenchGateEnv(b *testing.B) *benchGateEnv {
	b.Helper()
	discard := slog.New(slog.DiscardHandler)
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(benchPusher{}),
		callsession.WithLogger(discard))
	tokens := devauth.Tokens{Agent: benchAgentToken, Customers: map[string]string{"cus_bench": "cus_bench_token_00001"}}
	if err := tokens.Validate(); err != nil {
		b.Fatalf("bench tokens: %v", err)
	}
	return &benchGateEnv{svc: svc, api: httpapi.New(svc, tokens, httpapi.WithLogger(discard))}
}

// confirmed starts and confirms a call for the customer and returns its
// call id.
func (e *benchGateEnv) confirmed(b *testing.B, customerID string) string {
	b.Helper()
	ctx := b.Context()
	res, err := e.svc.Start(ctx, benchAgentCaller, callsession.StartRequest{
		CustomerID: customerID,
		CallRef:    "pbx-" + customerID,
		Agent:      callsession.Agent{ID: "agt_042", DisplayName: "Hawa"},
	})
	if err != nil {
		b.Fatalf("start call: %v", err)
	}
	sess := res.Session
	customer := callsession.Caller{Kind: callsession.CallerCustomer, ID: customerID}
	req := callsession.AnswerRequest{CallID: sess.CallID, Answer: callsession.AnswerConfirm, MatchCode: sess.MatchCode}
	if _, err := e.svc.Answer(ctx, customer, req); err != nil {
		b.Fatalf("confirm call %s: %v", sess.CallID, err)
	}
	return sess.CallID
}

// gateSupply hands out confirmed sessions, each for benchGatesPerSession
// gate requests, and prepares a new batch in a new store with the timer
// stopped when one runs out.
type gateSupply struct {
	env     *benchGateEnv
	callIDs []string
	uses    int
}

func (s *gateSupply) next(b *testing.B) (*benchGateEnv, string) {
	if s.uses == benchGatesPerSession {
		s.callIDs, s.uses = s.callIDs[1:], 0
	}
	if len(s.callIDs) == 0 {
		b.StopTimer()
		s.env = newBenchGateEnv(b)
		for i := range benchBatch {
			s.callIDs = append(s.callIDs, s.env.confirmed(b, fmt.Sprintf("cus_%06d", i)))
		}
		b.StartTimer()
	}
	s.uses++
	return s.env, s.callIDs[0]
}

// benchPusher is a Pusher that accepts everything and records nothing.
type benchPusher struct{}

var _ callsession.Pusher = benchPusher{}

func (benchPusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	return "arn:aws:sns:local:000000000000:endpoint/bench", nil
}
func (benchPusher) Unregister(ctx context.Context, d callsession.Device) error { return nil }
func (benchPusher) Notify(ctx context.Context, d callsession.Device, n callsession.Notification) error {
	return nil
}
func (benchPusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error { return nil }
