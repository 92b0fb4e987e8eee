package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/memstore"
)

// The development tokens of the test API. Alice and Bob are two customers,
// so that every test can check what one customer may do to the other's data.
const (
	agentToken = "agent_test_token_0001"
	aliceToken = "cus_alice_test_token_01"
	bobToken   = "cus_bob_test_token_0002"

	alice = "cus_0001"
	bob   = "cus_0002"

	agentID   = "agt_042"
	agentName = "Hawa"
)

// startTime is the fake clock's first reading. It is not in UTC, so that
// every rendered time shows whether the API converted it.
var startTime = time.Date(2026, time.March, 2, 15, 30, 0, 0, time.FixedZone("CET", 3600))

// fakeClock is a callsession.Clock that moves only when a test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time // guarded by mu
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// notification is one push that the fake pusher received.
type notification struct {
	Device       callsession.Device
	Notification callsession.Notification
}

// fakePusher records every call, and fails Notify for the device ids in
// failNotify with the error given there.
type fakePusher struct {
	mu            sync.Mutex
	failNotify    map[string]error
	registered    []callsession.Device
	unregistered  []callsession.Device
	notifications []notification
	alerts        []callsession.FraudAlert
}

var _ callsession.Pusher = (*fakePusher)(nil)

func (p *fakePusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.registered = append(p.registered, d)
	return "arn:aws:sns:eu-west-2:000000000000:endpoint/" + string(d.Platform) + "/test/" + d.DeviceID, nil
}

func (p *fakePusher) Unregister(ctx context.Context, d callsession.Device) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unregistered = append(p.unregistered, d)
	return nil
}

func (p *fakePusher) Notify(ctx context.Context, d callsession.Device, n callsession.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failNotify[d.DeviceID]; err != nil {
		return err
	}
	p.notifications = append(p.notifications, notification{Device: d, Notification: n})
	return nil
}

func (p *fakePusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.alerts = append(p.alerts, a)
	return nil
}

func (p *fakePusher) Notifications() []notification {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notification(nil), p.notifications...)
}

func (p *fakePusher) Alerts() []callsession.FraudAlert {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]callsession.FraudAlert(nil), p.alerts...)
}

func (p *fakePusher) Registered() []callsession.Device {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]callsession.Device(nil), p.registered...)
}

func (p *fakePusher) Unregistered() []callsession.Device {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]callsession.Device(nil), p.unregistered...)
}

// syncBuffer is a bytes.Buffer that the handler's goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one API on a fresh store, fake clock and fake pusher.
type env struct {
	api    *httpapi.API
	store  *memstore.Store
	clock  *fakeClock
	pusher *fakePusher
	// logs holds what the API and the service logged, as JSON lines.
	logs *syncBuffer
}

// envOptions changes how newEnv builds an env.
type envOptions struct {
	// wrap, when set, puts a test store in front of the memstore.
	wrap func(*memstore.Store) callsession.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, envOptions{})
}

func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{
		store:  memstore.New(),
		clock:  &fakeClock{now: startTime},
		pusher: &fakePusher{},
		logs:   &syncBuffer{},
	}
	var store callsession.Store = e.store
	if o.wrap != nil {
		store = o.wrap(e.store)
	}

	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	svc := callsession.NewService(store, callsession.DefaultConfig(),
		callsession.WithPusher(e.pusher),
		callsession.WithClock(e.clock),
		callsession.WithLogger(logger))
	tokens := devauth.Tokens{
		Agent:     agentToken,
		Customers: map[string]string{alice: aliceToken, bob: bobToken},
	}
	if err := tokens.Validate(); err != nil {
		t.Fatalf("test tokens are not valid: %v", err)
	}
	e.api = httpapi.New(svc, tokens, httpapi.WithLogger(logger))
	return e
}

// response is a recorded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// newRequest builds a request with the bearer token, or without an
// Authorization header when token is empty.
func newRequest(method, target, token, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func (e *env) serve(r *http.Request) response {
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, r)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (e *env) do(method, target, token, body string) response {
	return e.serve(newRequest(method, target, token, body))
}

// startedCall is what a test needs to know about a session it started.
type startedCall struct {
	CallID    string `json:"call_id"`
	MatchCode string `json:"match_code"`
	AnswerBy  string `json:"answer_by"`
}

// startBody returns a call start request body for the customer and call_ref.
func startBody(customerID, callRef string) string {
	return fmt.Sprintf(`{"customer_id": %q, "call_ref": %q, "agent": {"id": %q, "display_name": %q}}`,
		customerID, callRef, agentID, agentName)
}

// startCall starts a session for the customer as the agent and fails the
// test unless the API created it.
func (e *env) startCall(t *testing.T, customerID, callRef string) startedCall {
	t.Helper()
	res := e.do(http.MethodPost, "/v1/calls", agentToken, startBody(customerID, callRef))
	if res.status != http.StatusCreated {
		t.Fatalf("start call for %s: got %s, want status 201", customerID, res)
	}
	return decode[startedCall](t, res)
}

// answer posts an answer to the call as the customer with token.
func (e *env) answer(callID, token, answer, matchCode string) response {
	body := fmt.Sprintf(`{"answer": %q}`, answer)
	if matchCode != "" {
		body = fmt.Sprintf(`{"answer": %q, "match_code": %q}`, answer, matchCode)
	}
	return e.do(http.MethodPost, "/v1/calls/"+callID+"/response", token, body)
}

// confirm confirms the call as Alice with the right match code and fails
// the test unless the API accepted it.
func (e *env) confirm(t *testing.T, c startedCall) {
	t.Helper()
	if res := e.answer(c.CallID, aliceToken, "confirm", c.MatchCode); res.status != http.StatusOK {
		t.Fatalf("confirm %s: got %s, want status 200", c.CallID, res)
	}
}

// session reads the call as the agent and fails the test unless it exists.
func (e *env) session(t *testing.T, callID string) map[string]any {
	t.Helper()
	res := e.do(http.MethodGet, "/v1/calls/"+callID, agentToken, "")
	if res.status != http.StatusOK {
		t.Fatalf("get call %s: got %s, want status 200", callID, res)
	}
	return decode[map[string]any](t, res)
}

// wrongCode returns a match code of the same length that differs from code.
func wrongCode(t *testing.T, code string) string {
	t.Helper()
	n, err := strconv.Atoi(code)
	if err != nil {
		t.Fatalf("match code %q is not a number: %v", code, err)
	}
	return fmt.Sprintf("%0*d", len(code), (n+1)%int(math.Pow10(len(code))))
}

func decode[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("decode response body %q: %v", res.body, err)
	}
	return v
}

// readFixture returns a file of testdata.
func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(b)
}

// problemKeys are the members that every error body has.
var problemKeys = []string{"type", "title", "status", "detail", "code"}

// checkProblem fails the test unless res is an RFC 9457 problem with the
// status and code, and returns its members.
func checkProblem(t *testing.T, res response, wantStatus int, wantCode string) map[string]any {
	t.Helper()
	if res.status != wantStatus {
		t.Fatalf("status: got %s, want %d", res, wantStatus)
	}
	if got := res.header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type: got %q, want application/problem+json", got)
	}

	p := decode[map[string]any](t, res)
	for _, key := range problemKeys {
		if _, ok := p[key]; !ok {
			t.Errorf("problem member %q: got none in %s, want one", key, res.body)
		}
	}
	if got, want := p["type"], "urn:yourang:problem:"+wantCode; got != want {
		t.Errorf("problem type: got %v, want %q", got, want)
	}
	if got, want := p["title"], http.StatusText(wantStatus); got != want {
		t.Errorf("problem title: got %v, want %q", got, want)
	}
	if got := p["status"]; got != float64(wantStatus) {
		t.Errorf("problem status: got %v, want %d", got, wantStatus)
	}
	if got := p["code"]; got != wantCode {
		t.Errorf("problem code: got %v, want %q", got, wantCode)
	}
	if detail, _ := p["detail"].(string); detail == "" {
		t.Errorf("problem detail: got %v, want a non-empty string", p["detail"])
	}
	return p
}

// checkDetailContains fails the test unless the problem's detail contains
// each of the parts.
func checkDetailContains(t *testing.T, p map[string]any, parts ...string) {
	t.Helper()
	detail, _ := p["detail"].(string)
	for _, part := range parts {
		if !strings.Contains(detail, part) {
			t.Errorf("problem detail: got %q, want it to contain %q", detail, part)
		}
	}
}

// checkTime fails the test unless v is an RFC 3339 time in UTC ("Z") equal
// to want, and returns it.
func checkTime(t *testing.T, name string, v any, want time.Time) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s: got %v, want an RFC 3339 string", name, v)
	}
	if !strings.HasSuffix(s, "Z") {
		t.Errorf("%s: got %q, want a UTC time ending in Z", name, s)
	}
	got, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s: got %q, want RFC 3339: %v", name, s, err)
	}
	if !got.Equal(want) {
		t.Errorf("%s: got %s, want %s", name, got, want.UTC().Format(time.RFC3339Nano))
	}
	return got
}
