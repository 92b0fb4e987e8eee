package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/memstore"
)

func TestStartCallCreatedThenReplayed(t *testing.T) {
	e := newEnv(t)

	first := e.do(http.MethodPost, "/v1/calls", agentToken, readFixture(t, "start_call.json"))
	if first.status != http.StatusCreated {
		t.Fatalf("first start: got %s, want status 201", first)
	}
	created := decode[startedCall](t, first)
	if got, want := first.header.Get("Location"), "/v1/calls/"+created.CallID; got != want {
		t.Errorf("Location: got %q, want %q", got, want)
	}

	e.clock.Advance(30 * time.Second)
	again := e.do(http.MethodPost, "/v1/calls", agentToken, readFixture(t, "start_call.json"))
	if again.status != http.StatusOK {
		t.Fatalf("repeated start: got %s, want status 200", again)
	}
	replayed := decode[startedCall](t, again)
	if replayed != created {
		t.Errorf("repeated start: got %+v, want the first session %+v", replayed, created)
	}
	if got := again.header.Get("Location"); got != "" {
		t.Errorf("repeated start Location: got %q, want none", got)
	}
}

func TestBadRequest(t *testing.T) {
	tooManyFields := make([]string, callsession.MaxGateFields+1)
	for i := range tooManyFields {
		tooManyFields[i] = fmt.Sprintf("field_%d", i)
	}
	tooManyJSON, _ := json.Marshal(map[string]any{"fields": tooManyFields})

	tests := []struct {
		name   string
		method string
		// path may contain {call}, replaced by the id of a pending session
		// of Alice's.
		path   string
		token  string
		body   string
		detail []string
	}{
		{"start malformed JSON", http.MethodPost, "/v1/calls", agentToken, `{"customer_id" "cus_0001"}`, []string{"not valid JSON"}},
		{"start truncated JSON", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001"`, []string{"ends before"}},
		{"start number for string", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": 5, "call_ref": "r1", "agent": {"id": "a", "display_name": "b"}}`, []string{`"customer_id"`, "string"}},
		{"start unknown field", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001", "call_ref": "r1", "agent": {"id": "a", "display_name": "b"}, "colour": "red"}`, []string{"colour"}},
		{"start unknown nested field", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001", "call_ref": "r1", "agent": {"id": "a", "display_name": "b", "desk": 4}}`, []string{"desk"}},
		{"start empty body", http.MethodPost, "/v1/calls", agentToken, "", []string{"empty"}},
		{"start whitespace body", http.MethodPost, "/v1/calls", agentToken, " \n\t\r ", []string{"empty"}},
		{"start two objects", http.MethodPost, "/v1/calls", agentToken, startBody(alice, "r1") + startBody(alice, "r2"), []string{"exactly one object"}},
		{"start trailing garbage", http.MethodPost, "/v1/calls", agentToken, startBody(alice, "r1") + " x", []string{"exactly one object"}},
		{"start array body", http.MethodPost, "/v1/calls", agentToken, `[]`, []string{"JSON object"}},
		{"start missing customer_id", http.MethodPost, "/v1/calls", agentToken, `{"call_ref": "r1", "agent": {"id": "a", "display_name": "b"}}`, []string{"customer_id is missing"}},
		{"start missing call_ref", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001", "agent": {"id": "a", "display_name": "b"}}`, []string{"call_ref is missing"}},
		{"start missing agent", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001", "call_ref": "r1"}`, []string{"agent is missing"}},
		{"start missing display name", http.MethodPost, "/v1/calls", agentToken, `{"customer_id": "cus_0001", "call_ref": "r1", "agent": {"id": "a"}}`, []string{"agent.display_name is missing"}},
		{"start customer_id with space", http.MethodPost, "/v1/calls", agentToken, startBody("cus 0001", "r1"), []string{`"cus 0001"`}},
		{"get call_id with space", http.MethodGet, "/v1/calls/call%20x", agentToken, "", []string{`"call x"`}},
		{"gate string for array", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{"fields": "balance"}`, []string{`"fields"`, "array"}},
		{"gate missing fields", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{}`, []string{"fields is empty"}},
		{"gate empty fields", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{"fields": []}`, []string{"fields is empty"}},
		{"gate malformed field name", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{"fields": ["balance", "Balance"]}`, []string{`fields[1] "Balance"`}},
		{"gate too many fields", http.MethodPost, "/v1/calls/{call}/gate", agentToken, string(tooManyJSON), []string{strconv.Itoa(len(tooManyFields))}},
		{"gate call_id with space", http.MethodPost, "/v1/calls/call%20x/gate", agentToken, `{"fields": ["balance"]}`, []string{`"call x"`}},
		{"answer bad value", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"answer": "maybe"}`, []string{`"maybe"`}},
		{"answer missing", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"match_code": "12"}`, []string{"answer is missing"}},
		{"answer number for string", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"answer": "confirm", "match_code": 12}`, []string{`"match_code"`, "string"}},
		{"confirm without match code", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"answer": "confirm"}`, []string{"match_code is missing"}},
		{"confirm with letters", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"answer": "confirm", "match_code": "ab"}`, []string{`"ab"`}},
		{"deny with match code", http.MethodPost, "/v1/calls/{call}/response", aliceToken, `{"answer": "deny", "match_code": "12"}`, []string{"match_code"}},
		{"answer call_id with space", http.MethodPost, "/v1/calls/call%20x/response", aliceToken, `{"answer": "deny"}`, []string{`"call x"`}},
		{"device bad platform", http.MethodPut, "/v1/me/devices/phone-1", aliceToken, `{"platform": "WINDOWS", "token": "abc"}`, []string{`"WINDOWS"`}},
		{"device missing token", http.MethodPut, "/v1/me/devices/phone-1", aliceToken, `{"platform": "GCM"}`, []string{"token is missing"}},
		{"device id with space", http.MethodPut, "/v1/me/devices/phone%201", aliceToken, `{"platform": "GCM", "token": "abc"}`, []string{`"phone 1"`}},
		{"device delete id with space", http.MethodDelete, "/v1/me/devices/phone%201", aliceToken, "", []string{`"phone 1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")

			path := strings.ReplaceAll(tt.path, "{call}", call.CallID)
			res := e.do(tt.method, path, tt.token, tt.body)

			p := checkProblem(t, res, http.StatusBadRequest, "invalid")
			checkDetailContains(t, p, tt.detail...)
			if got := e.session(t, call.CallID)["status"]; got != "pending" {
				t.Errorf("session status after a rejected request: got %v, want pending", got)
			}
			if got := e.pusher.Alerts(); len(got) != 0 {
				t.Errorf("fraud alerts after a rejected request: got %v, want none", got)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	tests := []struct {
		name          string
		authorization string
	}{
		{"no header", ""},
		{"basic scheme", "Basic " + agentToken},
		{"token without scheme", agentToken},
		{"unknown token", "Bearer cus_unknown_token_000000"},
		{"token prefix", "Bearer " + agentToken[:len(agentToken)-1]},
		{"empty bearer", "Bearer "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			r := newRequest(http.MethodPost, "/v1/calls", "", startBody(alice, "pbx-1"))
			if tt.authorization != "" {
				r.Header.Set("Authorization", tt.authorization)
			}

			res := e.serve(r)

			checkProblem(t, res, http.StatusUnauthorized, "unauthenticated")
			if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate: got %q, want Bearer", got)
			}
			if got := e.pusher.Notifications(); len(got) != 0 {
				t.Errorf("pushes: got %d, want none", len(got))
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	const unknownCall = "call_aaaaaaaaaaaaaaaaaaaaaaaaaa"
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   string
	}{
		{"get unknown call", http.MethodGet, "/v1/calls/" + unknownCall, agentToken, ""},
		{"gate unknown call", http.MethodPost, "/v1/calls/" + unknownCall + "/gate", agentToken, `{"fields": ["balance", "freeze_card"]}`},
		{"answer unknown call", http.MethodPost, "/v1/calls/" + unknownCall + "/response", aliceToken, `{"answer": "deny"}`},
		{"delete unknown device", http.MethodDelete, "/v1/me/devices/phone-9", aliceToken, ""},
		{"unknown route", http.MethodGet, "/v1/nothing", agentToken, ""},
		{"unknown route without credentials", http.MethodGet, "/v2/calls", "", ""},
		{"route below a call", http.MethodPost, "/v1/calls/{call}/escalate", agentToken, `{}`},
		{"empty call_id before gate", http.MethodPost, "/v1/calls//gate", agentToken, `{"fields": ["balance"]}`},
		{"empty call_id before response", http.MethodPost, "/v1/calls//response", aliceToken, `{"answer": "deny"}`},
		{"dot segment", http.MethodGet, "/v1/calls/../calls/{call}", agentToken, ""},
		{"trailing slash on calls", http.MethodPost, "/v1/calls/", agentToken, startBody(alice, "pbx-2")},
		{"get trailing slash on calls", http.MethodGet, "/v1/calls/", agentToken, ""},
		{"trailing slash on call", http.MethodGet, "/v1/calls/{call}/", agentToken, ""},
		{"empty device_id", http.MethodPut, "/v1/me/devices/", aliceToken, readFixture(t, "device_apns.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")

			path := strings.ReplaceAll(tt.path, "{call}", call.CallID)
			res := e.do(tt.method, path, tt.token, tt.body)

			p := checkProblem(t, res, http.StatusNotFound, "not_found")
			if _, ok := p["decisions"]; ok {
				t.Errorf("decisions: got %v, want none for an unknown call", p["decisions"])
			}
			if got := res.header.Get("Location"); got != "" {
				t.Errorf("Location: got %q, want none", got)
			}
		})
	}
}

// TestAnswerOtherCustomersCall checks that Bob cannot answer Alice's call,
// even with the right match code, and that his attempt changes nothing.
func TestAnswerOtherCustomersCall(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		code   func(*testing.T, startedCall) string
	}{
		{"confirm with right code", "confirm", func(_ *testing.T, c startedCall) string { return c.MatchCode }},
		{"confirm with wrong code", "confirm", func(t *testing.T, c startedCall) string { return wrongCode(t, c.MatchCode) }},
		{"deny", "deny", func(*testing.T, startedCall) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")

			res := e.answer(call.CallID, bobToken, tt.answer, tt.code(t, call))

			p := checkProblem(t, res, http.StatusNotFound, "not_found")
			checkDetailContains(t, p, call.CallID)
			s := e.session(t, call.CallID)
			if got := s["status"]; got != "pending" {
				t.Errorf("status: got %v, want pending", got)
			}
			if _, ok := s["answered_at"]; ok {
				t.Errorf("answered_at: got %v, want none", s["answered_at"])
			}
			if got := e.pusher.Alerts(); len(got) != 0 {
				t.Errorf("fraud alerts: got %v, want none", got)
			}

			// Bob's attempt did not count as one of Alice's wrong codes.
			res = e.answer(call.CallID, aliceToken, "confirm", wrongCode(t, call.MatchCode))
			p = checkProblem(t, res, http.StatusUnprocessableEntity, "wrong_match_code")
			checkDetailContains(t, p, "2 attempts left")
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	tests := []struct {
		method string
		path   string
		allow  []string
	}{
		{http.MethodGet, "/v1/calls", []string{http.MethodPost}},
		{http.MethodPut, "/v1/calls", []string{http.MethodPost}},
		{http.MethodDelete, "/v1/calls/{call}", []string{http.MethodGet}},
		{http.MethodPost, "/v1/calls/{call}", []string{http.MethodGet}},
		{http.MethodGet, "/v1/calls/{call}/gate", []string{http.MethodPost}},
		{http.MethodGet, "/v1/calls/{call}/response", []string{http.MethodPost}},
		{http.MethodPost, "/v1/me/calls", []string{http.MethodGet}},
		{http.MethodGet, "/v1/me/devices/phone-1", []string{http.MethodDelete, http.MethodPut}},
		{http.MethodPatch, "/v1/me/devices/phone-1", []string{http.MethodDelete, http.MethodPut}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")

			// No credentials: the method is checked before the caller.
			res := e.do(tt.method, strings.ReplaceAll(tt.path, "{call}", call.CallID), "", "")

			p := checkProblem(t, res, http.StatusMethodNotAllowed, "method_not_allowed")
			checkDetailContains(t, p, tt.method)
			if got := res.header.Values("Allow"); !slices.Equal(got, tt.allow) {
				t.Errorf("Allow: got %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestConflict(t *testing.T) {
	t.Run("deny after confirm", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")
		e.confirm(t, call)

		res := e.answer(call.CallID, aliceToken, "deny", "")

		checkProblem(t, res, http.StatusConflict, "conflict")
		if got := e.session(t, call.CallID)["status"]; got != "confirmed" {
			t.Errorf("status: got %v, want confirmed", got)
		}
		if got := e.pusher.Alerts(); len(got) != 0 {
			t.Errorf("fraud alerts: got %v, want none", got)
		}
	})

	t.Run("confirm after deny", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")
		if res := e.answer(call.CallID, aliceToken, "deny", ""); res.status != http.StatusOK {
			t.Fatalf("deny: got %s, want status 200", res)
		}

		res := e.answer(call.CallID, aliceToken, "confirm", call.MatchCode)

		checkProblem(t, res, http.StatusConflict, "conflict")
		if got := e.session(t, call.CallID)["status"]; got != "denied" {
			t.Errorf("status: got %v, want denied", got)
		}
	})

	t.Run("call_ref reused for another customer", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")

		res := e.do(http.MethodPost, "/v1/calls", agentToken, startBody(bob, "pbx-1"))

		p := checkProblem(t, res, http.StatusConflict, "conflict")
		checkDetailContains(t, p, "pbx-1")
		if strings.Contains(string(res.body), call.CallID) || strings.Contains(string(res.body), alice) {
			t.Errorf("body: got %s, want no trace of Alice's session", res.body)
		}
		if got := e.pusher.Notifications(); len(got) != 0 {
			t.Errorf("pushes: got %d, want none", len(got))
		}
	})
}

// TestRepeatedAnswer checks that repeating the final answer, as a retry or
// a double tap does, succeeds and changes nothing.
func TestRepeatedAnswer(t *testing.T) {
	tests := []struct {
		answer     string
		wantStatus string
	}{
		{"confirm", "confirmed"},
		{"deny", "denied"},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")
			code := ""
			if tt.answer == "confirm" {
				code = call.MatchCode
			}
			first := e.answer(call.CallID, aliceToken, tt.answer, code)
			if first.status != http.StatusOK {
				t.Fatalf("first answer: got %s, want status 200", first)
			}

			e.clock.Advance(5 * time.Second)
			again := e.answer(call.CallID, aliceToken, tt.answer, code)

			if again.status != http.StatusOK {
				t.Fatalf("repeated answer: got %s, want status 200", again)
			}
			if string(again.body) != string(first.body) {
				t.Errorf("repeated answer body: got %s, want %s", again.body, first.body)
			}
			if got := e.session(t, call.CallID)["status"]; got != tt.wantStatus {
				t.Errorf("status: got %v, want %s", got, tt.wantStatus)
			}
		})
	}
}

func TestGone(t *testing.T) {
	t.Run("after the answer window", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")
		e.clock.Advance(callsession.DefaultConfig().AnswerWindow + time.Second)

		res := e.answer(call.CallID, aliceToken, "confirm", call.MatchCode)

		p := checkProblem(t, res, http.StatusGone, "gone")
		answerBy, err := time.Parse(time.RFC3339, call.AnswerBy)
		if err != nil {
			t.Fatalf("answer_by %q: %v", call.AnswerBy, err)
		}
		checkDetailContains(t, p, answerBy.UTC().Format(time.RFC3339))
		if got := e.session(t, call.CallID)["status"]; got != "expired" {
			t.Errorf("status: got %v, want expired", got)
		}
	})

	t.Run("at the end of the answer window", func(t *testing.T) {
		e := newEnv(t)
		call := e.startCall(t, alice, "pbx-1")
		e.clock.Advance(callsession.DefaultConfig().AnswerWindow)

		res := e.answer(call.CallID, aliceToken, "deny", "")

		checkProblem(t, res, http.StatusGone, "gone")
		if got := e.pusher.Alerts(); len(got) != 0 {
			t.Errorf("fraud alerts: got %v, want none", got)
		}
	})

	t.Run("superseded session", func(t *testing.T) {
		e := newEnv(t)
		old := e.startCall(t, alice, "pbx-1")
		e.clock.Advance(time.Minute)
		newer := e.startCall(t, alice, "pbx-2")

		res := e.answer(old.CallID, aliceToken, "confirm", old.MatchCode)

		checkProblem(t, res, http.StatusGone, "gone")
		s := e.session(t, old.CallID)
		if got := s["status"]; got != "expired" {
			t.Errorf("old status: got %v, want expired", got)
		}
		if got := s["end_reason"]; got != "superseded" {
			t.Errorf("old end_reason: got %v, want superseded", got)
		}
		if got := e.session(t, newer.CallID)["status"]; got != "pending" {
			t.Errorf("newer status: got %v, want pending", got)
		}
	})
}

func TestTooLarge(t *testing.T) {
	routes := []struct {
		method string
		path   string
		token  string
	}{
		{http.MethodPost, "/v1/calls", agentToken},
		{http.MethodPost, "/v1/calls/{call}/gate", agentToken},
		{http.MethodPost, "/v1/calls/{call}/response", aliceToken},
		{http.MethodPut, "/v1/me/devices/phone-1", aliceToken},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path+" body", func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")
			body := `{"x": "` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
			body = body[:httpapi.MaxBodyBytes+1]

			res := e.do(rt.method, strings.ReplaceAll(rt.path, "{call}", call.CallID), rt.token, body)

			p := checkProblem(t, res, http.StatusRequestEntityTooLarge, "too_large")
			checkDetailContains(t, p, strconv.Itoa(httpapi.MaxBodyBytes))
		})

		t.Run(rt.method+" "+rt.path+" Content-Length", func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")
			r := newRequest(rt.method, strings.ReplaceAll(rt.path, "{call}", call.CallID), rt.token, `{}`)
			r.ContentLength = httpapi.MaxBodyBytes + 1

			res := e.serve(r)

			checkProblem(t, res, http.StatusRequestEntityTooLarge, "too_large")
		})
	}

	t.Run("chunked body", func(t *testing.T) {
		e := newEnv(t)
		body := strings.NewReader(`{"customer_id": "` + strings.Repeat("a", 2*httpapi.MaxBodyBytes) + `"}`)
		r := newRequest(http.MethodPost, "/v1/calls", agentToken, "")
		r.Body = io.NopCloser(body)
		r.ContentLength = -1

		res := e.serve(r)

		checkProblem(t, res, http.StatusRequestEntityTooLarge, "too_large")
	})

	t.Run("body of exactly the limit", func(t *testing.T) {
		e := newEnv(t)
		body := startBody(alice, "pbx-1")
		body += strings.Repeat(" ", httpapi.MaxBodyBytes-len(body))

		res := e.do(http.MethodPost, "/v1/calls", agentToken, body)

		if res.status != http.StatusCreated {
			t.Errorf("status: got %s, want 201", res)
		}
	})
}

func TestWrongMatchCode(t *testing.T) {
	e := newEnv(t)
	call := e.startCall(t, alice, "pbx-1")
	wrong := wrongCode(t, call.MatchCode)

	attempts := []struct {
		detail     string
		wantStatus string
	}{
		{"2 attempts left", "pending"},
		{"1 attempt left", "pending"},
		{"no attempts are left", "denied"},
	}
	for i, a := range attempts {
		res := e.answer(call.CallID, aliceToken, "confirm", wrong)

		p := checkProblem(t, res, http.StatusUnprocessableEntity, "wrong_match_code")
		checkDetailContains(t, p, a.detail)
		if strings.Contains(string(res.body), `"`+call.MatchCode+`"`) {
			t.Errorf("attempt %d body: got %s, want no match code", i+1, res.body)
		}
		if got := e.session(t, call.CallID)["status"]; got != a.wantStatus {
			t.Errorf("status after attempt %d: got %v, want %s", i+1, got, a.wantStatus)
		}
	}

	s := e.session(t, call.CallID)
	if got := s["end_reason"]; got != "too_many_wrong_match_codes" {
		t.Errorf("end_reason: got %v, want too_many_wrong_match_codes", got)
	}
	if got := e.pusher.Alerts(); len(got) != 1 {
		t.Errorf("fraud alerts: got %d, want 1", len(got))
	}

	// The denial is final: the right code no longer confirms.
	res := e.answer(call.CallID, aliceToken, "confirm", call.MatchCode)
	checkProblem(t, res, http.StatusConflict, "conflict")
}

func TestRateLimited(t *testing.T) {
	e := newEnv(t)
	budget := callsession.DefaultConfig().PushBudget
	for i := range budget {
		if i > 0 {
			e.clock.Advance(time.Second)
		}
		e.startCall(t, alice, fmt.Sprintf("pbx-%d", i))
	}
	// Now is 5.5s after the oldest start, which leaves the rolling hour in
	// 3594.5s: the header rounds that up to whole seconds.
	e.clock.Advance(1500 * time.Millisecond)

	res := e.do(http.MethodPost, "/v1/calls", agentToken, startBody(alice, "pbx-over"))

	checkProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	retryAfter := res.header.Get("Retry-After")
	seconds, err := strconv.Atoi(retryAfter)
	if err != nil {
		t.Fatalf("Retry-After: got %q, want whole seconds", retryAfter)
	}
	if seconds != 3595 {
		t.Errorf("Retry-After: got %d, want 3595", seconds)
	}
	if got := len(e.pusher.Notifications()); got != 0 {
		t.Errorf("pushes: got %d, want none (Alice has no devices)", got)
	}

	t.Run("replay still answered", func(t *testing.T) {
		res := e.do(http.MethodPost, "/v1/calls", agentToken, startBody(alice, "pbx-0"))
		if res.status != http.StatusOK {
			t.Errorf("status: got %s, want 200", res)
		}
	})

	t.Run("other customer unaffected", func(t *testing.T) {
		e.startCall(t, bob, "pbx-bob")
	})

	t.Run("budget frees up after Retry-After", func(t *testing.T) {
		e.clock.Advance(time.Duration(seconds) * time.Second)
		e.startCall(t, alice, "pbx-later")
	})
}

// failingStore is a memstore whose session reads fail with err.
type failingStore struct {
	*memstore.Store
	err error
}

func (s failingStore) Session(ctx context.Context, callID string) (callsession.Session, error) {
	return callsession.Session{}, s.err
}

func (s failingStore) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	return callsession.Session{}, false, s.err
}

func (s failingStore) History(ctx context.Context, customerID string, since time.Time, limit int) ([]callsession.Session, error) {
	return nil, s.err
}

// leakyCause is an error message full of internals that must not reach a
// client.
const leakyCause = "dial tcp 10.20.30.40:8000: table arn:aws:dynamodb:eu-west-2:123456789012:table/yourang-sessions: boom"

func TestDependencyFailures(t *testing.T) {
	cause := errors.New(leakyCause)
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"unavailable", callsession.Unavailable("session store", cause), http.StatusServiceUnavailable, "unavailable"},
		{"plain error", cause, http.StatusInternalServerError, "internal"},
		{"wrapped plain error", fmt.Errorf("read session: %w", cause), http.StatusInternalServerError, "internal"},
		{"internal domain error", &callsession.Error{Code: callsession.CodeInternal, Message: leakyCause, Err: cause}, http.StatusInternalServerError, "internal"},
		{"unmapped domain code", &callsession.Error{Code: "exploded", Message: leakyCause}, http.StatusInternalServerError, "internal"},
	}
	leaks := []string{"boom", "10.20.30.40", "arn:aws", "dynamodb", "dial tcp", "exploded"}

	for _, tt := range tests {
		routes := []struct {
			name   string
			method string
			path   string
			token  string
			body   string
			// fields, when set, are the gate's fields: each must be denied as
			// unavailable, in request order.
			fields []string
		}{
			{"gate sensitive", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{"fields": ["balance", "name_on_file", "freeze_card", "no_such_field"]}`, []string{"balance", "name_on_file", "freeze_card", "no_such_field"}},
			{"gate public", http.MethodPost, "/v1/calls/{call}/gate", agentToken, `{"fields": ["card_status", "cancel_card"]}`, []string{"card_status", "cancel_card"}},
			{"get call", http.MethodGet, "/v1/calls/{call}", agentToken, "", nil},
			{"history", http.MethodGet, "/v1/me/calls", aliceToken, "", nil},
		}
		for _, rt := range routes {
			t.Run(tt.name+" "+rt.name, func(t *testing.T) {
				e := newEnvWith(t, envOptions{wrap: func(s *memstore.Store) callsession.Store {
					return failingStore{Store: s, err: tt.err}
				}})
				call := e.startCall(t, alice, "pbx-1")
				e.confirm(t, call)

				res := e.do(rt.method, strings.ReplaceAll(rt.path, "{call}", call.CallID), rt.token, rt.body)

				p := checkProblem(t, res, tt.wantStatus, tt.wantCode)
				for _, leak := range leaks {
					if strings.Contains(string(res.body), leak) {
						t.Errorf("body: got %s, want no %q", res.body, leak)
					}
				}
				if rt.fields != nil {
					checkAllUnavailable(t, p["decisions"], rt.fields)
				}
				if got := strings.Count(e.logs.String(), `"msg":"request failed"`); got != 1 {
					t.Errorf("logged failures: got %d, want 1 in %s", got, e.logs)
				}
				if !strings.Contains(e.logs.String(), "boom") {
					t.Errorf("log: got %s, want the cause", e.logs)
				}
			})
		}
	}
}

func checkAllUnavailable(t *testing.T, decisions any, fields []string) {
	t.Helper()
	list, ok := decisions.([]any)
	if !ok || len(list) != len(fields) {
		t.Fatalf("decisions: got %v, want %d denials", decisions, len(fields))
	}
	for i, f := range fields {
		want := map[string]any{"field": f, "allowed": false, "reason": "unavailable"}
		got, _ := list[i].(map[string]any)
		if !maps.Equal(got, want) {
			t.Errorf("decision %d: got %v, want %v", i, list[i], want)
		}
	}
}

// TestCallerCheckedBeforeBody checks that credentials and the caller's kind
// are checked before the body is read, so that a caller of the wrong kind
// learns nothing about the route's validation.
func TestCallerCheckedBeforeBody(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		wantStatus int
		wantCode   string
	}{
		{"customer starts a call", http.MethodPost, "/v1/calls", aliceToken, http.StatusForbidden, "forbidden"},
		{"customer asks the gate", http.MethodPost, "/v1/calls/{call}/gate", aliceToken, http.StatusForbidden, "forbidden"},
		{"agent answers", http.MethodPost, "/v1/calls/{call}/response", agentToken, http.StatusForbidden, "forbidden"},
		{"agent registers a device", http.MethodPut, "/v1/me/devices/phone-1", agentToken, http.StatusForbidden, "forbidden"},
		{"agent deletes a device", http.MethodDelete, "/v1/me/devices/phone%201", agentToken, http.StatusForbidden, "forbidden"},
		{"agent reads a call with a bad id", http.MethodGet, "/v1/calls/call%20x", aliceToken, http.StatusForbidden, "forbidden"},
		{"nobody answers", http.MethodPost, "/v1/calls/{call}/response", "", http.StatusUnauthorized, "unauthenticated"},
		{"nobody starts a call", http.MethodPost, "/v1/calls", "", http.StatusUnauthorized, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			call := e.startCall(t, alice, "pbx-1")

			res := e.do(tt.method, strings.ReplaceAll(tt.path, "{call}", call.CallID), tt.token, `{"not": json`)

			checkProblem(t, res, tt.wantStatus, tt.wantCode)
		})
	}
}
