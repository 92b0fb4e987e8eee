package callsession_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
	"github.com/yourang/yourang/shared/metricnames"
)

// recordingMetrics is a callsession.Metrics that sums what it receives.
type recordingMetrics struct {
	mu        sync.Mutex
	counts    map[string]int
	gates     map[callsession.Reason]int
	durations map[string][]time.Duration
}

func newRecordingMetrics() *recordingMetrics {
	return &recordingMetrics{counts: map[string]int{}, gates: map[callsession.Reason]int{}, durations: map[string][]time.Duration{}}
}

func (m *recordingMetrics) Count(name string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[name] += n
}

func (m *recordingMetrics) CountGate(r callsession.Reason) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gates[r]++
}

func (m *recordingMetrics) Duration(name string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.durations[name] = append(m.durations[name], d)
}

func (m *recordingMetrics) wantCounts(t *testing.T, want map[string]int) {
	t.Helper()
	for name, n := range want {
		if got := m.counts[name]; got != n {
			t.Errorf("%s: got %d, want %d", name, got, n)
		}
	}
}

func TestMetricsOfCallFlow(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	store := memstore.New()
	metrics := newRecordingMetrics()
	svc := callsession.NewService(store, callsession.DefaultConfig(),
		callsession.WithPusher(&recordingPusher{}), callsession.WithClock(clock), callsession.WithMetrics(metrics))
	for _, id := range []string{"phone-1", "phone-2"} {
		if _, err := svc.RegisterDevice(ctx, customerCaller, callsession.Device{DeviceID: id, Platform: callsession.PlatformGCM, Token: "token-" + id}); err != nil {
			t.Fatal(err)
		}
	}

	// A call that is never answered, then a second call 11 minutes later
	// that finds it past its window, then a replay of the second.
	if _, err := svc.Start(ctx, agentCaller, startRequest("pbx-m1")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(11 * time.Minute)
	if _, err := svc.Start(ctx, agentCaller, startRequest("pbx-m2")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Start(ctx, agentCaller, startRequest("pbx-m2")); err != nil {
		t.Fatal(err)
	}
	// A third call supersedes the second, which is still pending.
	third, err := svc.Start(ctx, agentCaller, startRequest("pbx-m3"))
	if err != nil {
		t.Fatal(err)
	}
	metrics.wantCounts(t, map[string]int{
		metricnames.CallsStarted:           3,
		metricnames.CallsReplayed:          1,
		metricnames.CallsSuperseded:        1,
		metricnames.CallsExpiredUnanswered: 1,
		metricnames.DevicesReached:         6,
		metricnames.DevicesFailed:          0,
	})

	clock.Advance(90 * time.Second)
	if _, err := svc.Answer(ctx, customerCaller, callsession.AnswerRequest{CallID: third.Session.CallID, Answer: callsession.AnswerConfirm, MatchCode: third.Session.MatchCode}); err != nil {
		t.Fatal(err)
	}
	metrics.wantCounts(t, map[string]int{metricnames.CallsConfirmed: 1, metricnames.CallsDenied: 0})
	if got := metrics.durations[metricnames.TimeToAnswer]; len(got) != 1 || got[0] != 90*time.Second {
		t.Errorf("TimeToAnswer: got %v, want [1m30s]", got)
	}

	if _, err := svc.Gate(ctx, agentCaller, third.Session.CallID, []string{"balance", "freeze_card", "shoe_size"}); err != nil {
		t.Fatal(err)
	}
	for reason, want := range map[callsession.Reason]int{
		callsession.ReasonCustomerConfirmed: 1,
		callsession.ReasonEmergencyAction:   1,
		callsession.ReasonUnknownField:      1,
	} {
		if got := metrics.gates[reason]; got != want {
			t.Errorf("GateDecisions{%s}: got %d, want %d", reason, got, want)
		}
	}
}

func TestMetricsOfDenial(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	metrics := newRecordingMetrics()
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(&recordingPusher{}), callsession.WithClock(clock), callsession.WithMetrics(metrics))

	started, err := svc.Start(ctx, agentCaller, startRequest("pbx-d1"))
	if err != nil {
		t.Fatal(err)
	}
	deny := callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerDeny}
	for range 2 { // the repeat changes nothing and counts nothing
		if _, err := svc.Answer(ctx, customerCaller, deny); err != nil {
			t.Fatal(err)
		}
	}
	metrics.wantCounts(t, map[string]int{metricnames.CallsDenied: 1, metricnames.CallsConfirmed: 0})
	if got := len(metrics.durations[metricnames.TimeToAnswer]); got != 1 {
		t.Errorf("TimeToAnswer: got %d values, want 1", got)
	}
}

func TestHistoryCapped(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(&recordingPusher{}), callsession.WithClock(clock))
	var newest string
	for i := range callsession.MaxHistory + 5 {
		res, err := svc.Start(ctx, agentCaller, startRequest(fmt.Sprintf("pbx-h%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		newest = res.Session.CallID
		clock.Advance(13 * time.Minute) // stays inside the push budget
	}

	got, err := svc.History(ctx, customerCaller)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != callsession.MaxHistory {
		t.Fatalf("got %d sessions, want %d", len(got), callsession.MaxHistory)
	}
	if got[0].CallID != newest {
		t.Errorf("first session: got %s, want the newest %s", got[0].CallID, newest)
	}
}
