package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/snstest"
)

// deployment is the four functions under the emulator, on one DynamoDB
// Local table and one SNS test server.
type deployment struct {
	callstart, respond, gate, devices *lambdaFunc
	sns                               *snstest.Server
}

// baseEnv returns the environment the functions get in these tests: dummy
// credentials shared with DynamoDB Local, and the test servers' URLs.
func baseEnv(t *testing.T) (map[string]string, *snstest.Server) {
	t.Helper()
	tools(t) // skip before starting Java when the emulator is missing
	srv := dynamolocal.ServerForTest(t)
	table := dynamolocal.TableName("e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamostore.CreateTable(ctx, srv.Client(), table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	sns := snstest.New(t)

	return map[string]string{
		"AWS_REGION":                           dynamolocal.Region,
		"AWS_ACCESS_KEY_ID":                    dynamolocal.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":                dynamolocal.SecretAccessKey,
		"YOURANG_TABLE_NAME":                   table,
		"YOURANG_DYNAMODB_ENDPOINT":            srv.Endpoint(),
		"YOURANG_SNS_ENDPOINT":                 sns.URL,
		"YOURANG_FRAUD_TOPIC_ARN":              sns.TopicARN(),
		"YOURANG_APNS_APPLICATION_ARN":         sns.ApplicationARN("APNS"),
		"YOURANG_APNS_SANDBOX_APPLICATION_ARN": sns.ApplicationARN("APNS_SANDBOX"),
		"YOURANG_GCM_APPLICATION_ARN":          sns.ApplicationARN("GCM"),
	}, sns
}

// functionVariables lists the resource variables each function gets, as the
// CDK stack sets them: a function must start without the others.
var functionVariables = map[string][]string{
	"callstart": {"YOURANG_APNS_APPLICATION_ARN", "YOURANG_APNS_SANDBOX_APPLICATION_ARN", "YOURANG_GCM_APPLICATION_ARN"},
	"respond":   {"YOURANG_FRAUD_TOPIC_ARN"},
	"gate":      {},
	"devices":   {"YOURANG_APNS_APPLICATION_ARN", "YOURANG_APNS_SANDBOX_APPLICATION_ARN", "YOURANG_GCM_APPLICATION_ARN"},
}

// envFor returns env without the resource variables that the stack does not
// give the function name.
func envFor(env map[string]string, name string) map[string]string {
	resources := []string{"YOURANG_FRAUD_TOPIC_ARN", "YOURANG_APNS_APPLICATION_ARN", "YOURANG_APNS_SANDBOX_APPLICATION_ARN", "YOURANG_GCM_APPLICATION_ARN"}
	out := map[string]string{}
	for k, v := range env {
		if slices.Contains(resources, k) && !slices.Contains(functionVariables[name], k) {
			continue
		}
		out[k] = v
	}
	return out
}

func deploy(t *testing.T) *deployment {
	t.Helper()
	env, sns := baseEnv(t)
	d := &deployment{sns: sns}
	var wg sync.WaitGroup
	for name, dst := range map[string]**lambdaFunc{
		"callstart": &d.callstart, "respond": &d.respond, "gate": &d.gate, "devices": &d.devices,
	} {
		wg.Go(func() { *dst = startFunction(t, name, envFor(env, name)) })
	}
	wg.Wait()
	if d.callstart == nil || d.respond == nil || d.gate == nil || d.devices == nil {
		t.FailNow() // startFunction reported why
	}
	return d
}

// decode parses a JSON response body into v, failing on anything else.
func decode(t *testing.T, resp events.APIGatewayV2HTTPResponse, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("response body is not JSON: %v: %s", err, resp.Body)
	}
}

func wantStatus(t *testing.T, what string, resp events.APIGatewayV2HTTPResponse, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: got status %d, want %d; body %s", what, resp.StatusCode, want, resp.Body)
	}
	ct := resp.Headers["Content-Type"]
	if resp.StatusCode >= 400 && ct != "application/problem+json" {
		t.Errorf("%s: got Content-Type %q, want application/problem+json", what, ct)
	}
}

type startedCall struct {
	CallID    string `json:"call_id"`
	Status    string `json:"status"`
	MatchCode string `json:"match_code"`
	Push      struct{ Devices, Sent, Failed int }
}

func (d *deployment) registerPhone(t *testing.T, customerID, deviceID, token string) {
	t.Helper()
	resp := d.devices.invoke(t, event(t, apiRequest{
		caller: customer(customerID), routeKey: "PUT /v1/me/devices/{device_id}",
		path: "/v1/me/devices/" + deviceID, pathParams: map[string]string{"device_id": deviceID},
		body: `{"platform": "APNS", "token": "` + token + `"}`,
	}))
	wantStatus(t, "register device", resp, http.StatusOK)
}

func (d *deployment) startCall(t *testing.T, customerID, callRef string) startedCall {
	t.Helper()
	resp := d.callstart.invoke(t, event(t, apiRequest{
		caller: agentCaller, routeKey: "POST /v1/calls", path: "/v1/calls",
		body: `{"customer_id": "` + customerID + `", "call_ref": "` + callRef + `", "agent": {"id": "agt_042", "display_name": "Hawa"}}`,
	}))
	wantStatus(t, "start call", resp, http.StatusCreated)
	var c startedCall
	decode(t, resp, &c)
	return c
}

func (d *deployment) answer(t *testing.T, customerID, callID, body string, base64 bool) events.APIGatewayV2HTTPResponse {
	t.Helper()
	return d.respond.invoke(t, event(t, apiRequest{
		caller: customer(customerID), routeKey: "POST /v1/calls/{call_id}/response",
		path: "/v1/calls/" + callID + "/response", pathParams: map[string]string{"call_id": callID},
		body: body, base64: base64,
	}))
}

type gateAnswer struct {
	Status    string `json:"status"`
	Decisions []struct {
		Field   string `json:"field"`
		Allowed bool   `json:"allowed"`
		Reason  string `json:"reason"`
	} `json:"decisions"`
}

func (d *deployment) askGate(t *testing.T, callID string, fields string) gateAnswer {
	t.Helper()
	resp := d.gate.invoke(t, event(t, apiRequest{
		caller: agentCaller, routeKey: "POST /v1/calls/{call_id}/gate",
		path: "/v1/calls/" + callID + "/gate", pathParams: map[string]string{"call_id": callID},
		body: `{"fields": ` + fields + `}`,
	}))
	wantStatus(t, "gate", resp, http.StatusOK)
	var g gateAnswer
	decode(t, resp, &g)
	return g
}

func wantDecision(t *testing.T, g gateAnswer, field string, allowed bool, reason string) {
	t.Helper()
	for _, d := range g.Decisions {
		if d.Field != field {
			continue
		}
		if d.Allowed != allowed || d.Reason != reason {
			t.Errorf("gate %s: got allowed=%v reason=%s, want allowed=%v reason=%s", field, d.Allowed, d.Reason, allowed, reason)
		}
		return
	}
	t.Errorf("gate returned no decision for %s: %+v", field, g.Decisions)
}

func TestFlowDenied(t *testing.T) {
	d := deploy(t)
	d.registerPhone(t, "cus_e2e_deny", "phone-1", "apns-token-deny-0001")

	call := d.startCall(t, "cus_e2e_deny", "pbx-e2e-deny")
	if call.Status != "pending" || len(call.MatchCode) != 2 {
		t.Errorf("started call: got status %q and match code of %d digits, want pending and 2", call.Status, len(call.MatchCode))
	}
	if call.Push.Devices != 1 || call.Push.Sent != 1 || call.Push.Failed != 0 {
		t.Errorf("push outcome: got %+v, want 1 device, 1 sent, 0 failed", call.Push)
	}
	pushes := d.sns.Published()
	if len(pushes) != 1 || !strings.Contains(pushes[0].Payload, call.CallID) {
		t.Fatalf("published: got %+v, want one push that carries the call id", pushes)
	}
	if strings.Contains(pushes[0].Message, `"match_code"`) || strings.Contains(pushes[0].Message, "match code") {
		t.Errorf("push message carries the match code: %s", pushes[0].Message)
	}

	resp := d.answer(t, "cus_e2e_deny", call.CallID, `{"answer": "deny"}`, false)
	wantStatus(t, "deny", resp, http.StatusOK)
	var answered struct{ Status string }
	decode(t, resp, &answered)
	if answered.Status != "denied" {
		t.Errorf("after deny: got status %q, want denied", answered.Status)
	}

	g := d.askGate(t, call.CallID, `["balance", "direct_debits", "freeze_card"]`)
	wantDecision(t, g, "balance", false, "customer_denied")
	wantDecision(t, g, "direct_debits", false, "customer_denied")
	wantDecision(t, g, "freeze_card", true, "emergency_action")

	var alert *snstest.Message
	for _, m := range d.sns.Published() {
		if m.TopicARN == d.sns.TopicARN() {
			alert = &m
		}
	}
	if alert == nil {
		t.Fatal("no fraud alert was published to the fraud topic")
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(alert.Message), &body); err != nil {
		t.Fatalf("fraud alert is not JSON: %v: %s", err, alert.Message)
	}
	for key, want := range map[string]string{"call_id": call.CallID, "customer_id": "cus_e2e_deny", "agent_id": "agt_042"} {
		if body[key] != want {
			t.Errorf("fraud alert %s: got %q, want %q", key, body[key], want)
		}
	}
}

func TestFlowConfirmed(t *testing.T) {
	d := deploy(t)
	d.registerPhone(t, "cus_e2e_ok", "phone-1", "apns-token-ok-0001")
	call := d.startCall(t, "cus_e2e_ok", "pbx-e2e-ok")

	g := d.askGate(t, call.CallID, `["balance"]`)
	wantDecision(t, g, "balance", false, "awaiting_customer")

	// The app's body arrives base64-encoded, as API Gateway sends bodies of
	// content types it does not treat as text.
	resp := d.answer(t, "cus_e2e_ok", call.CallID, `{"answer": "confirm", "match_code": "`+call.MatchCode+`"}`, true)
	wantStatus(t, "confirm", resp, http.StatusOK)

	g = d.askGate(t, call.CallID, `["balance", "latest_transactions", "name_on_file", "shoe_size"]`)
	wantDecision(t, g, "balance", true, "customer_confirmed")
	wantDecision(t, g, "latest_transactions", true, "customer_confirmed")
	wantDecision(t, g, "name_on_file", true, "public_field")
	wantDecision(t, g, "shoe_size", false, "unknown_field")

	resp = d.respond.invoke(t, event(t, apiRequest{caller: customer("cus_e2e_ok"), routeKey: "GET /v1/me/calls", path: "/v1/me/calls"}))
	wantStatus(t, "history", resp, http.StatusOK)
	var history struct {
		Calls []struct {
			CallID    string `json:"call_id"`
			Status    string `json:"status"`
			Disclosed []struct {
				Field            string `json:"field"`
				AgentDisplayName string `json:"agent_display_name"`
			} `json:"disclosed"`
		} `json:"calls"`
	}
	decode(t, resp, &history)
	if len(history.Calls) != 1 || history.Calls[0].CallID != call.CallID || history.Calls[0].Status != "confirmed" {
		t.Fatalf("history: got %+v, want the one confirmed call %s", history.Calls, call.CallID)
	}
	var fields []string
	for _, disc := range history.Calls[0].Disclosed {
		fields = append(fields, disc.Field)
		if disc.AgentDisplayName != "Hawa" {
			t.Errorf("disclosure of %s: got agent %q, want Hawa", disc.Field, disc.AgentDisplayName)
		}
	}
	if strings.Join(fields, ",") != "balance,latest_transactions" {
		t.Errorf("history disclosed: got %v, want [balance latest_transactions]", fields)
	}
}
