package e2e_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// caller is who an event comes from, as API Gateway's authorizer saw it.
type caller struct {
	kind string // "agent" (IAM), "customer" (JWT) or "" (no authorizer)
	sub  string // the JWT sub claim of a customer
}

var (
	agentCaller = caller{kind: "agent"}
	anonymous   = caller{}
)

func customer(id string) caller { return caller{kind: "customer", sub: id} }

// apiRequest describes one API Gateway HTTP API request.
type apiRequest struct {
	caller     caller
	routeKey   string // such as "POST /v1/calls/{call_id}/gate"
	path       string // the raw path, such as "/v1/calls/call_x/gate"
	pathParams map[string]string
	body       string
	// base64 sends the body base64-encoded with isBase64Encoded set, as API
	// Gateway does for content types it does not treat as text.
	base64 bool
	// rawBody, when set, is sent as the event body unchanged, with
	// isBase64Encoded set: for bodies that are not valid base64.
	rawBody string
}

// event builds a payload format 2.0 event from the fixture of the caller's
// authorizer type, with the request's route, path, parameters and body.
func event(t *testing.T, r apiRequest) []byte {
	t.Helper()
	fixture := "testdata/agent-iam-event.json"
	if r.caller.kind == "customer" {
		fixture = "testdata/customer-jwt-event.json"
	}
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatalf("read event fixture: %v", err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("parse event fixture %s: %v", fixture, err)
	}

	method, _, _ := cutRouteKey(r.routeKey)
	rc := ev["requestContext"].(map[string]any)
	ev["routeKey"], rc["routeKey"] = r.routeKey, r.routeKey
	ev["rawPath"] = r.path
	httpCtx := rc["http"].(map[string]any)
	httpCtx["method"], httpCtx["path"] = method, r.path
	rc["requestId"] = rand.Text()
	if r.pathParams != nil {
		ev["pathParameters"] = r.pathParams
	} else {
		delete(ev, "pathParameters")
	}

	switch r.caller.kind {
	case "customer":
		claims := rc["authorizer"].(map[string]any)["jwt"].(map[string]any)["claims"].(map[string]any)
		claims["sub"] = r.caller.sub
	case "":
		delete(rc, "authorizer")
	}

	headers := ev["headers"].(map[string]any)
	switch {
	case r.rawBody != "":
		ev["body"], ev["isBase64Encoded"] = r.rawBody, true
	case r.base64:
		ev["body"], ev["isBase64Encoded"] = base64.StdEncoding.EncodeToString([]byte(r.body)), true
		headers["content-type"] = "application/octet-stream"
	case r.body != "":
		ev["body"] = r.body
	default:
		delete(headers, "content-type")
	}
	headers["content-length"] = strconv.Itoa(len(r.body))

	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("encode event: %v", err)
	}
	return out
}

func cutRouteKey(routeKey string) (method, path string, ok bool) {
	for i := range len(routeKey) {
		if routeKey[i] == ' ' {
			return routeKey[:i], routeKey[i+1:], true
		}
	}
	return "", routeKey, false
}
