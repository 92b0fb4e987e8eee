package apigwauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/yourang/yourang/shared/apigwauth"
	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/memstore"
)

const agentARN = "arn:aws:sts::123456789012:assumed-role/yourang-agent-tool/desk-7"

func iam(userARN string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: userARN},
	}
}

func jwt(claims map[string]string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
	}
}

// gatewayRequest converts an API Gateway HTTP API (payload 2.0) event to a
// request the way the Lambda adapter does, with the request context in the
// request's context.
func gatewayRequest(t *testing.T, method, path, body string, authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) *http.Request {
	t.Helper()
	event := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RawPath:  path,
		Headers:  map[string]string{"content-type": "application/json"},
		Body:     body,
		RouteKey: "$default",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "api.example.test",
			Stage:      "$default",
			RequestID:  "req-1",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
			Authorizer: authorizer,
		},
	}
	var accessor core.RequestAccessorV2
	r, err := accessor.EventToRequestWithContext(context.Background(), event)
	if err != nil {
		t.Fatalf("convert event: %v", err)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		want       callsession.Caller
		// message is a part of the error message, or "" for no error.
		message string
	}{
		{"agent", iam(agentARN), callsession.Caller{Kind: callsession.CallerAgent, ID: agentARN}, ""},
		{"customer", jwt(map[string]string{"sub": "cus_0001", "scope": "calls"}), callsession.Caller{Kind: callsession.CallerCustomer, ID: "cus_0001"}, ""},
		{"customer id with every allowed character", jwt(map[string]string{"sub": "Cus.0_1:a@b+c=d-e"}), callsession.Caller{Kind: callsession.CallerCustomer, ID: "Cus.0_1:a@b+c=d-e"}, ""},
		{"no authorizer", nil, callsession.Caller{}, ""},
		{"empty authorizer", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{}, callsession.Caller{}, ""},
		{"IAM without a user ARN", iam(""), callsession.Caller{}, ""},
		{"JWT without sub", jwt(map[string]string{"scope": "calls"}), callsession.Caller{}, "no sub claim"},
		{"JWT without claims", jwt(nil), callsession.Caller{}, "no sub claim"},
		{"sub with a space", jwt(map[string]string{"sub": "cus 0001"}), callsession.Caller{}, "not a valid customer id"},
		{"sub with a slash", jwt(map[string]string{"sub": "cus/0001"}), callsession.Caller{}, "not a valid customer id"},
		{"sub starting with a dash", jwt(map[string]string{"sub": "-cus"}), callsession.Caller{}, "not a valid customer id"},
		{"sub with a newline", jwt(map[string]string{"sub": "cus_0001\n"}), callsession.Caller{}, "not a valid customer id"},
		{"sub of 129 characters", jwt(map[string]string{"sub": strings.Repeat("a", 129)}), callsession.Caller{}, "not a valid customer id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gatewayRequest(t, http.MethodGet, "/v1/me/calls", "", tt.authorizer)

			got, err := apigwauth.Authenticator{}.Authenticate(r)

			if got != tt.want {
				t.Errorf("caller: got %+v, want %+v", got, tt.want)
			}
			if tt.message == "" {
				if err != nil {
					t.Errorf("error: got %v, want none", err)
				}
				return
			}
			if code := callsession.ErrorCode(err); code != callsession.CodeUnauthenticated {
				t.Errorf("error code: got %q (%v), want %q", code, err, callsession.CodeUnauthenticated)
			}
			if err != nil && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestAuthenticateWithoutGatewayContext(t *testing.T) {
	// Headers are not a source of identity: only API Gateway's context is.
	r := httptest.NewRequest(http.MethodGet, "/v1/me/calls", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJjdXNfMDAwMSJ9.")
	r.Header.Set(core.APIGwContextHeader, `{"authorizer": {"jwt": {"claims": {"sub": "cus_0001"}}}}`)

	got, err := apigwauth.Authenticator{}.Authenticate(r)

	if got != (callsession.Caller{}) || err != nil {
		t.Errorf("Authenticate: got %+v, %v, want no caller and no error", got, err)
	}
}

// nopPusher accepts every push and sends nothing.
type nopPusher struct{}

func (nopPusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	return "arn:aws:sns:eu-west-2:000000000000:endpoint/GCM/test/" + d.DeviceID, nil
}
func (nopPusher) Unregister(context.Context, callsession.Device) error { return nil }
func (nopPusher) Notify(context.Context, callsession.Device, callsession.Notification) error {
	return nil
}
func (nopPusher) AlertFraud(context.Context, callsession.FraudAlert) error { return nil }

// TestAPIRoutes checks the caller kinds of the API when the callers come
// from API Gateway's authorizers.
func TestAPIRoutes(t *testing.T) {
	const startBody = `{"customer_id": "cus_0001", "call_ref": "pbx-1", "agent": {"id": "agt_042", "display_name": "Hawa"}}`
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		wantStatus int
	}{
		{"agent starts a call", http.MethodPost, "/v1/calls", startBody, iam(agentARN), http.StatusCreated},
		{"customer starts a call", http.MethodPost, "/v1/calls", startBody, jwt(map[string]string{"sub": "cus_0001"}), http.StatusForbidden},
		{"nobody starts a call", http.MethodPost, "/v1/calls", startBody, nil, http.StatusUnauthorized},
		{"customer reads history", http.MethodGet, "/v1/me/calls", "", jwt(map[string]string{"sub": "cus_0001"}), http.StatusOK},
		{"agent reads history", http.MethodGet, "/v1/me/calls", "", iam(agentARN), http.StatusForbidden},
		{"customer with a bad sub", http.MethodGet, "/v1/me/calls", "", jwt(map[string]string{"sub": "cus 0001"}), http.StatusUnauthorized},
		{"customer without sub", http.MethodGet, "/v1/me/calls", "", jwt(map[string]string{}), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(), callsession.WithPusher(nopPusher{}))
			api := httpapi.New(svc, apigwauth.Authenticator{})
			w := httptest.NewRecorder()

			api.ServeHTTP(w, gatewayRequest(t, tt.method, tt.path, tt.body, tt.authorizer))

			if w.Code != tt.wantStatus {
				t.Errorf("status: got %d %s, want %d", w.Code, w.Body, tt.wantStatus)
			}
			if tt.wantStatus >= 400 {
				if got := w.Header().Get("Content-Type"); got != "application/problem+json" {
					t.Errorf("Content-Type: got %q, want application/problem+json", got)
				}
			}
		})
	}
}
