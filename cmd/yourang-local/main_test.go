package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/dynamolocal"
)

// syncBuffer collects the server's stdout while the test reads it.
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

var runningAt = regexp.MustCompile(`running at (http://\S+)`)

// startLocal runs the local mode with env in the background and returns its
// URL and printed output. The server stops, and run must return nil, when
// the test ends.
func startLocal(t *testing.T, env map[string]string) (string, *syncBuffer) {
	t.Helper()
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, lookup, out, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after stop, want nil", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("local mode did not stop within 15s")
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := runningAt.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case err := <-done:
			if errors.Is(err, dynamolocal.ErrNotInstalled) {
				done <- nil // let the cleanup see a clean stop
				requireOrSkip(t, "DynamoDB Local is not installed: %v", err)
			}
			t.Fatalf("local mode stopped at start: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("local mode printed no URL within 60s; output:\n%s", out.String())
	return "", nil
}

func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(dynamolocal.RequireEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// walkthroughScript returns the shell lines of the printed walk-through.
func walkthroughScript(t *testing.T, printed string) string {
	t.Helper()
	start := strings.Index(printed, "  URL=")
	end := strings.Index(printed, "The API reference")
	if start < 0 || end < start {
		t.Fatalf("printed output has no walk-through:\n%s", printed)
	}
	return printed[start:end]
}

// TestWalkthroughRuns pastes the printed walk-through into bash, as a user
// would, and checks each step's output.
func TestWalkthroughRuns(t *testing.T) {
	for _, store := range []string{"memory", "dynamodb-local"} {
		t.Run(store, func(t *testing.T) {
			if _, err := exec.LookPath("curl"); err != nil {
				requireOrSkip(t, "curl is not installed: the walk-through needs it")
			}
			_, out := startLocal(t, map[string]string{envListen: "127.0.0.1:0", envStore: store})

			cmd := exec.Command("bash", "-e", "-c", walkthroughScript(t, out.String()))
			got, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("walk-through failed: %v\n%s", err, got)
			}
			for _, want := range []string{
				`"status":"pending"`,              // 1. the call starts
				`"push":{"devices":1,"sent":1`,    // 1. the demo phone got the push
				`"kind":"notification"`,           // 2. the outbox shows the push
				`"status":"confirmed"`,            // 3. the answer confirms
				`"reason":"customer_confirmed"`,   // 4. the gate allows balance
				`"reason":"emergency_action"`,     // 4. and freeze_card
				`"reason":"unknown_field"`,        // 4. and denies an unknown field
				`"disclosed":[{"field":"balance"`, // 5. the history shows the disclosure
			} {
				if !strings.Contains(string(got), want) {
					t.Errorf("walk-through output lacks %s:\n%s", want, got)
				}
			}
		})
	}
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return resp.StatusCode, body
}

func TestOutboxAccess(t *testing.T) {
	const agent, cus1, cus2 = "agent-token-for-tests-1", "customer-token-one-11", "customer-token-two-22"
	url, _ := startLocal(t, map[string]string{
		envListen:         "127.0.0.1:0",
		envAgentToken:     agent,
		envCustomerTokens: "cus_0001=" + cus1 + ",cus_0002=" + cus2,
	})

	body := `{"customer_id": "cus_0001", "call_ref": "pbx-outbox-1", "agent": {"id": "agt_1", "display_name": "Hawa"}}`
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/calls", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+agent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("start call: status %v, err %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	// The customer denies the call, which publishes a fraud alert.
	var started struct {
		CallID string `json:"call_id"`
	}
	_, list := get(t, url+"/local/outbox", cus1)
	if msgs, _ := list["messages"].([]any); len(msgs) == 1 {
		started.CallID, _ = msgs[0].(map[string]any)["call_id"].(string)
	}
	req, _ = http.NewRequest(http.MethodPost, url+"/v1/calls/"+started.CallID+"/response", strings.NewReader(`{"answer": "deny"}`))
	req.Header.Set("Authorization", "Bearer "+cus1)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("deny call %q: status %v, err %v", started.CallID, resp.StatusCode, err)
	}
	resp.Body.Close()

	tests := []struct {
		name       string
		query      string
		token      string
		wantStatus int
		wantCount  int
	}{
		{"no token", "", "", http.StatusUnauthorized, 0},
		{"bad token", "", "not-a-token-at-all", http.StatusUnauthorized, 0},
		{"own notifications without the fraud alert", "", cus1, http.StatusOK, 1},
		{"another customer has none", "", cus2, http.StatusOK, 0},
		{"customer asks for another", "?customer_id=cus_0001", cus2, http.StatusForbidden, 0},
		{"agent sees the fraud alert too", "", agent, http.StatusOK, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := get(t, url+"/local/outbox"+tt.query, tt.token)
			if status != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %v", status, tt.wantStatus, got)
			}
			if status != http.StatusOK {
				return
			}
			messages, ok := got["messages"].([]any)
			if !ok {
				t.Fatalf("messages is not a list: %v", got)
			}
			if len(messages) != tt.wantCount {
				t.Errorf("got %d messages, want %d", len(messages), tt.wantCount)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"defaults", map[string]string{}, ""},
		{"port zero", map[string]string{envListen: "127.0.0.1:0"}, ""},
		{"IPv6 loopback", map[string]string{envListen: "[::1]:8080"}, ""},
		{"localhost", map[string]string{envListen: "localhost:8080"}, ""},
		{"all interfaces", map[string]string{envListen: "0.0.0.0:8080"}, "not a loopback address"},
		{"other address", map[string]string{envListen: "192.0.2.10:8080"}, "not a loopback address"},
		{"no port", map[string]string{envListen: "127.0.0.1"}, "not host:port"},
		{"unknown store", map[string]string{envStore: "postgres"}, "is not a store"},
		{"short agent token", map[string]string{envAgentToken: "short"}, "agent token is 5 characters long"},
		{"bad customer list", map[string]string{envCustomerTokens: "cus_0001"}, "write customer_id=token"},
		{"shared token", map[string]string{envAgentToken: "same-token-123456", envCustomerTokens: "cus_0001=same-token-123456"}, "also the token of"},
		{"bad window", map[string]string{"YOURANG_ANSWER_WINDOW": "ten minutes"}, "YOURANG_ANSWER_WINDOW"},
		{"missing policy file", map[string]string{"YOURANG_FIELD_POLICY_FILE": "/nonexistent/policy.json"}, "cannot be opened"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(func(name string) (string, bool) {
				v, ok := tt.env[name]
				return v, ok
			})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("got no error, want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("got error %q, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadConfigFixedTokens(t *testing.T) {
	cfg, err := loadConfig(func(name string) (string, bool) {
		v, ok := map[string]string{envAgentToken: "agent-token-for-tests-1", envCustomerTokens: "cus_9=customer-token-nine-9"}[name]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.generated {
		t.Error("tokens from the environment are reported as generated")
	}
	if cfg.tokens.Customers["cus_9"] != "customer-token-nine-9" {
		t.Errorf("customer tokens: got %v, want cus_9's token", cfg.tokens.Customers)
	}
}
