package e2e_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestStatusCodes checks, through the emulator, that the functions answer
// API Gateway events with the documented statuses and problem bodies.
func TestStatusCodes(t *testing.T) {
	d := deploy(t)
	d.registerPhone(t, "cus_e2e_codes", "phone-1", "apns-token-codes-0001")
	call := d.startCall(t, "cus_e2e_codes", "pbx-e2e-codes")
	wrongCode := "00"
	if call.MatchCode == wrongCode {
		wrongCode = "11"
	}
	callPath := "/v1/calls/" + call.CallID
	callParams := map[string]string{"call_id": call.CallID}

	tests := []struct {
		name string
		fn   *lambdaFunc
		req  apiRequest
		want int
	}{
		{"start replay", d.callstart, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls", path: "/v1/calls",
			body: `{"customer_id": "cus_e2e_codes", "call_ref": "pbx-e2e-codes", "agent": {"id": "agt_042", "display_name": "Hawa"}}`}, http.StatusOK},
		{"get call", d.callstart, apiRequest{caller: agentCaller, routeKey: "GET /v1/calls/{call_id}", path: callPath, pathParams: callParams}, http.StatusOK},
		{"no authorizer", d.callstart, apiRequest{caller: anonymous, routeKey: "GET /v1/calls/{call_id}", path: callPath, pathParams: callParams}, http.StatusUnauthorized},
		{"customer on agent route", d.gate, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "POST /v1/calls/{call_id}/gate",
			path: callPath + "/gate", pathParams: callParams, body: `{"fields": ["balance"]}`}, http.StatusForbidden},
		{"agent on customer route", d.respond, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, body: `{"answer": "deny"}`}, http.StatusForbidden},
		{"unknown call", d.callstart, apiRequest{caller: agentCaller, routeKey: "GET /v1/calls/{call_id}",
			path: "/v1/calls/call_unknown", pathParams: map[string]string{"call_id": "call_unknown"}}, http.StatusNotFound},
		{"another customer's call", d.respond, apiRequest{caller: customer("cus_e2e_other"), routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, body: `{"answer": "deny"}`}, http.StatusNotFound},
		{"malformed JSON", d.callstart, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls", path: "/v1/calls", body: `{"customer_id": `}, http.StatusBadRequest},
		{"unknown field", d.gate, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/gate",
			path: callPath + "/gate", pathParams: callParams, body: `{"fields": ["balance"], "why": "curious"}`}, http.StatusBadRequest},
		{"body not base64", d.respond, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, rawBody: "%%% not base64 %%%"}, http.StatusBadRequest},
		{"bad escape in a decoded path", d.devices, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "DELETE /v1/me/devices/{device_id}",
			path: "/v1/me/devices/100%", pathParams: map[string]string{"device_id": "100%"}}, http.StatusBadRequest},
		{"question mark in a decoded path", d.devices, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "PUT /v1/me/devices/{device_id}",
			path: "/v1/me/devices/a?b", pathParams: map[string]string{"device_id": "a?b"}, body: `{"platform": "APNS", "token": "apns-token-qmark-0001"}`}, http.StatusBadRequest},
		{"body over 16 KiB", d.gate, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/gate",
			path: callPath + "/gate", pathParams: callParams, body: `{"fields": ["` + strings.Repeat("a", 16<<10) + `"]}`}, http.StatusRequestEntityTooLarge},
		{"wrong match code", d.respond, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, body: `{"answer": "confirm", "match_code": "` + wrongCode + `"}`}, http.StatusUnprocessableEntity},
		{"confirm", d.respond, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, body: `{"answer": "confirm", "match_code": "` + call.MatchCode + `"}`}, http.StatusOK},
		{"deny after confirm", d.respond, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "POST /v1/calls/{call_id}/response",
			path: callPath + "/response", pathParams: callParams, body: `{"answer": "deny"}`}, http.StatusConflict},
		{"delete unknown device", d.devices, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "DELETE /v1/me/devices/{device_id}",
			path: "/v1/me/devices/phone-9", pathParams: map[string]string{"device_id": "phone-9"}}, http.StatusNotFound},
		{"delete device", d.devices, apiRequest{caller: customer("cus_e2e_codes"), routeKey: "DELETE /v1/me/devices/{device_id}",
			path: "/v1/me/devices/phone-1", pathParams: map[string]string{"device_id": "phone-1"}}, http.StatusNoContent},
	}
	// The cases run in order: the confirm and the conflict depend on the
	// wrong code before them.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.fn.invoke(t, event(t, tt.req))
			wantStatus(t, tt.name, resp, tt.want)
			if tt.want < 400 {
				return
			}
			var p struct {
				Type, Title, Detail, Code string
				Status                    int
			}
			decode(t, resp, &p)
			if p.Status != tt.want || p.Type == "" || p.Detail == "" || p.Code == "" {
				t.Errorf("problem body: got %+v, want status %d with type, detail and code", p, tt.want)
			}
		})
	}
}

// TestPushBudget starts calls until the customer's budget is spent.
func TestPushBudget(t *testing.T) {
	d := deploy(t)
	for i := range 5 {
		d.startCall(t, "cus_e2e_budget", "pbx-e2e-budget-"+string(rune('a'+i)))
	}
	resp := d.callstart.invoke(t, event(t, apiRequest{
		caller: agentCaller, routeKey: "POST /v1/calls", path: "/v1/calls",
		body: `{"customer_id": "cus_e2e_budget", "call_ref": "pbx-e2e-budget-f", "agent": {"id": "agt_042", "display_name": "Hawa"}}`,
	}))
	wantStatus(t, "sixth call start", resp, http.StatusTooManyRequests)
	if resp.Headers["Retry-After"] == "" {
		t.Errorf("429 has no Retry-After header: %v", resp.Headers)
	}
}

// TestGateUnavailable points the gate at a DynamoDB endpoint where nothing
// listens: every field is denied with reason unavailable, and the error is
// logged as JSON with the request id.
func TestGateUnavailable(t *testing.T) {
	env, _ := baseEnv(t)
	env["YOURANG_DYNAMODB_ENDPOINT"] = "http://" + freeAddr(t) // closed again at once
	gate := startFunction(t, "gate", env)

	resp := gate.invoke(t, event(t, apiRequest{
		caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/gate",
		path: "/v1/calls/call_any/gate", pathParams: map[string]string{"call_id": "call_any"},
		body: `{"fields": ["balance", "freeze_card"]}`,
	}))
	wantStatus(t, "gate without a store", resp, http.StatusServiceUnavailable)
	var p struct {
		Detail    string
		Decisions []struct {
			Field   string
			Allowed bool
			Reason  string
		}
	}
	decode(t, resp, &p)
	if len(p.Decisions) != 2 {
		t.Fatalf("got %d decisions, want 2: %s", len(p.Decisions), resp.Body)
	}
	for _, dec := range p.Decisions {
		if dec.Allowed || dec.Reason != "unavailable" {
			t.Errorf("decision for %s: got allowed=%v reason=%s, want denied as unavailable", dec.Field, dec.Allowed, dec.Reason)
		}
	}
	if strings.Contains(p.Detail, "127.0.0.1") || strings.Contains(p.Detail, "dial") {
		t.Errorf("problem detail leaks internals: %q", p.Detail)
	}

	line := findLogLine(t, gate.waitForLog(t, `"request failed"`), "request failed")
	if line["requestId"] == nil || line["level"] != "ERROR" {
		t.Errorf("error log line: got %v, want JSON with level ERROR and requestId", line)
	}
}

// TestGateStalledStore points the gate at an endpoint that accepts
// connections and never answers: the store timeout makes the gate answer
// 503 and deny every field instead of hanging.
func TestGateStalledStore(t *testing.T) {
	env, _ := baseEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() }) // hold it open, say nothing
		}
	}()
	env["YOURANG_DYNAMODB_ENDPOINT"] = "http://" + ln.Addr().String()
	gate := startFunction(t, "gate", env)

	// Without the store timeout the invocation would hang until the
	// client's 30s timeout in invoke and fail the test.
	resp := gate.invoke(t, event(t, apiRequest{
		caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/gate",
		path: "/v1/calls/call_any/gate", pathParams: map[string]string{"call_id": "call_any"},
		body: `{"fields": ["balance"]}`,
	}))
	wantStatus(t, "gate with a stalled store", resp, http.StatusServiceUnavailable)
	if !strings.Contains(resp.Body, `"reason":"unavailable"`) {
		t.Errorf("body does not deny the field as unavailable: %s", resp.Body)
	}
}

// TestBadConfiguration starts a function without its table name: it exits
// at cold start with one clear JSON log line.
func TestBadConfiguration(t *testing.T) {
	env, _ := baseEnv(t)
	delete(env, "YOURANG_TABLE_NAME")
	fn := startFunction(t, "callstart", env)

	if _, err := fn.invokeRaw(event(t, apiRequest{caller: agentCaller, routeKey: "POST /v1/calls", path: "/v1/calls", body: `{}`})); err == nil {
		t.Fatal("invocation of a misconfigured function succeeded, want a failure")
	}
	out := fn.waitForLog(t, "invalid configuration")
	line := findLogLine(t, out, "invalid configuration")
	if !strings.Contains(line["err"].(string), "YOURANG_TABLE_NAME") {
		t.Errorf("configuration error %q does not name YOURANG_TABLE_NAME", line["err"])
	}
	if n := strings.Count(out, "invalid configuration"); n != 1 {
		t.Errorf("got %d configuration error lines, want 1", n)
	}
}

// findLogLine returns the first JSON log line whose message contains msg.
func findLogLine(t *testing.T, out, msg string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "{") || !strings.Contains(l, msg) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		return m
	}
	t.Fatalf("no JSON log line contains %q in:\n%s", msg, out)
	return nil
}
