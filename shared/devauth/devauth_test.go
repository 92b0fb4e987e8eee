package devauth_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
)

const (
	agentToken = "agent_0123456789abcdef"
	aliceToken = "cus_alice_0123456789"
	bobToken   = "cus_bob_0123456789ab"
)

func TestParseCustomers(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  map[string]string
	}{
		{"one", "cus_0001=" + aliceToken, map[string]string{"cus_0001": aliceToken}},
		{"two", "cus_0001=" + aliceToken + ",cus_0002=" + bobToken, map[string]string{"cus_0001": aliceToken, "cus_0002": bobToken}},
		{"spaces and empty entries", " cus_0001=" + aliceToken + " , ,cus_0002=" + bobToken + ",", map[string]string{"cus_0001": aliceToken, "cus_0002": bobToken}},
		{"token of exactly 16 characters", "cus_0001=0123456789abcdef", map[string]string{"cus_0001": "0123456789abcdef"}},
		{"token with dashes and underscores", "cus_0001=abc-def_ghi-jkl_mno", map[string]string{"cus_0001": "abc-def_ghi-jkl_mno"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := devauth.ParseCustomers(tt.input)
			if err != nil {
				t.Fatalf("ParseCustomers(%q): got error %v, want none", tt.input, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseCustomers(%q): got %v, want %v", tt.input, got, tt.want)
			}
		})
	}
}

func TestParseCustomersInvalid(t *testing.T) {
	tests := []struct {
		name  string
		input string
		// message is a part of the error message.
		message string
	}{
		{"empty", "", "names no customer"},
		{"only commas", " , ,", "names no customer"},
		{"no equals sign", "cus_0001", `"cus_0001"`},
		{"no customer id", "=" + aliceToken, "customer_id=token"},
		{"short token", "cus_0001=short", "cus_0001 is 5 characters long"},
		{"empty token", "cus_0001=", "cus_0001 is 0 characters long"},
		{"token with equals sign", "cus_0001=" + aliceToken + "=x", "equals sign"},
		{"token with space", "cus_0001=abcdefgh ijklmnopq", "space"},
		{"second entry short", "cus_0001=" + aliceToken + ",cus_0002=abc", "cus_0002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := devauth.ParseCustomers(tt.input)
			if err == nil {
				t.Fatalf("ParseCustomers(%q): got %v, want an error", tt.input, got)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("ParseCustomers(%q) error: got %q, want it to contain %q", tt.input, err, tt.message)
			}
			if got != nil {
				t.Errorf("ParseCustomers(%q): got %v with the error, want nil", tt.input, got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		tokens devauth.Tokens
		// message is a part of the error message, or "" for no error.
		message string
	}{
		{"valid", devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": aliceToken, "cus_0002": bobToken}}, ""},
		{"no customers", devauth.Tokens{Agent: agentToken}, ""},
		{"missing agent token", devauth.Tokens{Customers: map[string]string{"cus_0001": aliceToken}}, "agent token is 0 characters long"},
		{"short agent token", devauth.Tokens{Agent: "agent_short"}, "agent token is 11 characters long"},
		{"agent token with comma", devauth.Tokens{Agent: "agent,0123456789abcdef"}, "agent token contains"},
		{"short customer token", devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": "cus_short"}}, "customer cus_0001 is 9 characters long"},
		{"customer token is the agent's", devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": agentToken}}, "cus_0001 is also the token of the agent"},
		{"two customers share a token", devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": aliceToken, "cus_0002": aliceToken}}, "cus_0002 is also the token of customer cus_0001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tokens.Validate()
			if tt.message == "" {
				if err != nil {
					t.Errorf("Validate: got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: got no error, want one containing %q", tt.message)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Validate error: got %q, want it to contain %q", err, tt.message)
			}
			for _, token := range []string{agentToken, aliceToken, bobToken} {
				if strings.Contains(err.Error(), token) {
					t.Errorf("Validate error: got %q, want no token in it", err)
				}
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	tokens := devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": aliceToken, "cus_0002": bobToken}}
	agent := callsession.Caller{Kind: callsession.CallerAgent, ID: devauth.AgentPrincipal}
	tests := []struct {
		name          string
		tokens        devauth.Tokens
		authorization []string
		want          callsession.Caller
		wantErr       bool
	}{
		{"no header", tokens, nil, callsession.Caller{}, false},
		{"agent", tokens, []string{"Bearer " + agentToken}, agent, false},
		{"first customer", tokens, []string{"Bearer " + aliceToken}, callsession.Caller{Kind: callsession.CallerCustomer, ID: "cus_0001"}, false},
		{"second customer", tokens, []string{"Bearer " + bobToken}, callsession.Caller{Kind: callsession.CallerCustomer, ID: "cus_0002"}, false},
		{"scheme in lower case", tokens, []string{"bearer " + agentToken}, agent, false},
		{"scheme in upper case", tokens, []string{"BEARER " + aliceToken}, callsession.Caller{Kind: callsession.CallerCustomer, ID: "cus_0001"}, false},
		{"unknown token", tokens, []string{"Bearer cus_unknown_0123456789"}, callsession.Caller{}, true},
		{"token prefix", tokens, []string{"Bearer " + agentToken[:len(agentToken)-1]}, callsession.Caller{}, true},
		{"token with suffix", tokens, []string{"Bearer " + agentToken + "x"}, callsession.Caller{}, true},
		{"token with padding", tokens, []string{"Bearer  " + agentToken}, callsession.Caller{}, true},
		{"basic scheme", tokens, []string{"Basic " + agentToken}, callsession.Caller{}, true},
		{"no scheme", tokens, []string{agentToken}, callsession.Caller{}, true},
		{"scheme only", tokens, []string{"Bearer"}, callsession.Caller{}, true},
		{"empty token", tokens, []string{"Bearer "}, callsession.Caller{}, true},
		{"empty token without an agent token", devauth.Tokens{Customers: map[string]string{"cus_0001": aliceToken}}, []string{"Bearer "}, callsession.Caller{}, true},
		{"empty token with an empty customer token", devauth.Tokens{Agent: agentToken, Customers: map[string]string{"cus_0001": ""}}, []string{"Bearer "}, callsession.Caller{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1/me/calls", nil)
			for _, v := range tt.authorization {
				r.Header.Add("Authorization", v)
			}

			got, err := tt.tokens.Authenticate(r)

			if got != tt.want {
				t.Errorf("caller: got %+v, want %+v", got, tt.want)
			}
			if !tt.wantErr {
				if err != nil {
					t.Errorf("error: got %v, want none", err)
				}
				return
			}
			if code := callsession.ErrorCode(err); code != callsession.CodeUnauthenticated {
				t.Errorf("error code: got %q (%v), want %q", code, err, callsession.CodeUnauthenticated)
			}
			for _, token := range []string{agentToken, aliceToken, bobToken} {
				if err != nil && strings.Contains(err.Error(), token) {
					t.Errorf("error: got %q, want no token in it", err)
				}
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	pattern := regexp.MustCompile(`^cus_[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 100 {
		token := devauth.NewToken("cus")
		if !pattern.MatchString(token) {
			t.Fatalf("NewToken: got %q, want %s", token, pattern)
		}
		if seen[token] {
			t.Fatalf("NewToken: got %q twice, want distinct tokens", token)
		}
		seen[token] = true
	}

	tokens := devauth.Tokens{Agent: devauth.NewToken("agent"), Customers: map[string]string{"cus_0001": devauth.NewToken("cus")}}
	if err := tokens.Validate(); err != nil {
		t.Errorf("Validate of new tokens: got %v, want no error", err)
	}
}

func TestParseCustomersRejectsBadIDs(t *testing.T) {
	for _, list := range []string{
		"cus 1=customer-token-0001",
		"cus/1=customer-token-0001",
		"cus_1=customer-token-0001,cus_1=customer-token-0002",
	} {
		if _, err := devauth.ParseCustomers(list); err == nil {
			t.Errorf("ParseCustomers(%q): got no error, want one", list)
		}
	}
	if _, err := devauth.ParseCustomers("auth0|5f1c=customer-token-0001"); err != nil {
		t.Errorf("ParseCustomers with an auth0 style id: got %v, want no error", err)
	}
}
