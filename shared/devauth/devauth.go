// Package devauth authenticates callers of the local mode with development
// bearer tokens: one for the agent tool, one per customer. It enforces the
// same caller kinds as AWS does with IAM and JWT, so that the authorization
// rules can be tried on a laptop.
package devauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/httpapi"
)

var _ httpapi.Authenticator = (*Tokens)(nil)

// AgentPrincipal is the caller id of the development agent tool.
const AgentPrincipal = "arn:aws:iam::000000000000:role/yourang-local-agent-tool"

// Tokens maps development bearer tokens to callers.
type Tokens struct {
	// Agent is the agent tool's token.
	Agent string
	// Customers maps customer ids to their tokens.
	Customers map[string]string
}

// NewToken returns a random token with 128 bits of entropy and the prefix,
// such as "agent" or "cus".
func NewToken(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// ParseCustomers parses "cus_0001=token1,cus_0002=token2". Tokens must be at
// least 16 characters, so a script cannot set a guessable one by accident.
func ParseCustomers(s string) (map[string]string, error) {
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, token, ok := strings.Cut(pair, "=")
		if !ok || id == "" {
			return nil, fmt.Errorf("customer token entry %q is not valid: write customer_id=token, separated by commas", pair)
		}
		if err := callsession.ValidateCustomerID(id); err != nil {
			return nil, fmt.Errorf("customer token entry for %q: %w", id, err)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("customer %q appears twice in the customer token list: give each customer one token", id)
		}
		if err := checkToken("token of customer "+id, token); err != nil {
			return nil, err
		}
		out[id] = token
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("customer token list %q names no customer: write customer_id=token, separated by commas", s)
	}
	return out, nil
}

// Validate returns an error naming the first token that is too short or
// used twice.
func (t Tokens) Validate() error {
	if err := checkToken("agent token", t.Agent); err != nil {
		return err
	}
	seen := map[string]string{t.Agent: "the agent"}
	for _, id := range slices.Sorted(maps.Keys(t.Customers)) {
		token := t.Customers[id]
		if err := checkToken("token of customer "+id, token); err != nil {
			return err
		}
		if other, dup := seen[token]; dup {
			return fmt.Errorf("token of customer %s is also the token of %s: give every caller its own token", id, other)
		}
		seen[token] = "customer " + id
	}
	return nil
}

func checkToken(name, token string) error {
	if len(token) < 16 {
		return fmt.Errorf("%s is %d characters long: use at least 16", name, len(token))
	}
	if strings.ContainsAny(token, " \t,=") {
		return fmt.Errorf("%s contains a space, comma or equals sign: use letters, digits, _ and -", name)
	}
	return nil
}

// Authenticate implements [httpapi.Authenticator] with the Authorization
// header "Bearer <token>".
func (t Tokens) Authenticate(r *http.Request) (callsession.Caller, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return callsession.Caller{}, nil
	}
	// The scheme is case-insensitive (RFC 9110, section 11.1). An empty
	// token is rejected here, so that it never matches an unset token.
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return callsession.Caller{}, callsession.Errorf(callsession.CodeUnauthenticated, "Authorization header is not a bearer token: send \"Authorization: Bearer <token>\"")
	}

	// Every token is compared, in constant time, so the response time does
	// not reveal which caller a guess came close to.
	var found callsession.Caller
	if equal(token, t.Agent) {
		found = callsession.Caller{Kind: callsession.CallerAgent, ID: AgentPrincipal}
	}
	for id, want := range t.Customers {
		if equal(token, want) {
			found = callsession.Caller{Kind: callsession.CallerCustomer, ID: id}
		}
	}
	if found.ID == "" {
		return callsession.Caller{}, callsession.Errorf(callsession.CodeUnauthenticated, "bearer token is not valid: use a token that the local server printed at start")
	}
	return found, nil
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
