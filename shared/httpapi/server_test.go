package httpapi_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/httpapi"
)

// TestServerFlow runs a whole call over a real HTTP server on loopback.
func TestServerFlow(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("server URL: %v", err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		t.Fatalf("server address: got %s, want loopback", u.Host)
	}
	client := srv.Client()
	// Following a redirect would hide which route handled the request.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	send := func(t *testing.T, method, path, token, body string) response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("read body: %v", err)
		}
		return response{status: res.StatusCode, header: res.Header, body: b}
	}

	addDevice(t, e, alice, "phone-1")
	res := send(t, http.MethodPost, "/v1/calls", agentToken, readFixture(t, "start_call.json"))
	if res.status != http.StatusCreated {
		t.Fatalf("start: got %s, want 201", res)
	}
	call := decode[startedCall](t, res)

	steps := []struct {
		name       string
		method     string
		path       string
		token      string
		body       string
		wantStatus int
		// wantCode is the problem code of an error status.
		wantCode string
	}{
		{"gate before the answer", http.MethodPost, "/v1/calls/" + call.CallID + "/gate", agentToken, `{"fields": ["balance"]}`, http.StatusOK, ""},
		{"confirm", http.MethodPost, "/v1/calls/" + call.CallID + "/response", aliceToken, `{"answer": "confirm", "match_code": "` + call.MatchCode + `"}`, http.StatusOK, ""},
		{"gate after the answer", http.MethodPost, "/v1/calls/" + call.CallID + "/gate", agentToken, `{"fields": ["balance"]}`, http.StatusOK, ""},
		{"history", http.MethodGet, "/v1/me/calls", aliceToken, "", http.StatusOK, ""},
		{"empty call_id", http.MethodPost, "/v1/calls//gate", agentToken, `{"fields": ["balance"]}`, http.StatusNotFound, "not_found"},
		{"encoded space in call_id", http.MethodGet, "/v1/calls/call%20x", agentToken, "", http.StatusBadRequest, "invalid"},
		{"body over the limit", http.MethodPost, "/v1/calls", agentToken, strings.Repeat(" ", httpapi.MaxBodyBytes+1), http.StatusRequestEntityTooLarge, "too_large"},
		{"wrong method", http.MethodDelete, "/v1/me/calls", aliceToken, "", http.StatusMethodNotAllowed, "method_not_allowed"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res := send(t, s.method, s.path, s.token, s.body)
			if s.wantCode == "" {
				if res.status != s.wantStatus {
					t.Errorf("status: got %s, want %d", res, s.wantStatus)
				}
				return
			}
			checkProblem(t, res, s.wantStatus, s.wantCode)
		})
	}

	if got := len(e.pusher.Notifications()); got != 1 {
		t.Errorf("pushes: got %d, want 1", got)
	}
	s := e.session(t, call.CallID)
	if got := s["status"]; got != "confirmed" {
		t.Errorf("status: got %v, want confirmed", got)
	}
}
