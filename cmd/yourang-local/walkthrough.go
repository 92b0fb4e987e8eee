package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/template"
)

var walkthrough = template.Must(template.New("walkthrough").Parse(`
You Rang? local mode is running at {{.URL}}
Store: {{.Store}}. Pushes are not sent anywhere: they are recorded in the local
outbox. A customer with no registered phone gets a demo phone at the first call.

Development credentials (send them as "Authorization: Bearer <token>"):
  agent tool      {{.Agent}}
{{- range .Customers}}
  customer {{.ID}}  {{.Token}}
{{- end}}
{{- if .Generated}}
These tokens are new on every start. To fix them, set {{.EnvAgent}} and
{{.EnvCustomers}} (customer_id=token pairs, comma-separated).
{{- end}}

Walk-through: copy and paste these lines into a shell.

  URL={{.URL}}
  AGENT={{.Agent}}
  CUSTOMER={{.FirstToken}}

  # 1. The agent tool starts a call session for {{.FirstID}}:
  START=$(curl -s -X POST "$URL/v1/calls" -H "Authorization: Bearer $AGENT" \
    -d '{"customer_id": "{{.FirstID}}", "call_ref": "pbx-'$RANDOM'", "agent": {"id": "agt_042", "display_name": "Hawa"}}')
  echo "$START"
  CALL=$(echo "$START" | sed -n 's/.*"call_id":"\([^"]*\)".*/\1/p')
  CODE=$(echo "$START" | sed -n 's/.*"match_code":"\([^"]*\)".*/\1/p')

  # 2. Read the push notification the customer's phone would get:
  curl -s "$URL/local/outbox" -H "Authorization: Bearer $CUSTOMER"

  # 3. The customer answers "Yes, that's me" with the code the agent read out:
  curl -s -X POST "$URL/v1/calls/$CALL/response" -H "Authorization: Bearer $CUSTOMER" \
    -d '{"answer": "confirm", "match_code": "'$CODE'"}'
  #    (or: -d '{"answer": "deny"}' for "No, this wasn't me")

  # 4. The agent tool asks the gate which fields it may show:
  curl -s -X POST "$URL/v1/calls/$CALL/gate" -H "Authorization: Bearer $AGENT" \
    -d '{"fields": ["balance", "latest_transactions", "freeze_card", "favourite_colour"]}'

  # 5. The customer sees every call made in their name and what was disclosed:
  curl -s "$URL/v1/me/calls" -H "Authorization: Bearer $CUSTOMER"

The API reference is docs/api.md. Press Ctrl-C to stop.
`))

type customerToken struct{ ID, Token string }

func printWalkthrough(w io.Writer, url string, cfg config) {
	ids := slices.Sorted(maps.Keys(cfg.tokens.Customers))
	data := struct {
		URL, Store, Agent, FirstID, FirstToken, EnvAgent, EnvCustomers string
		Customers                                                      []customerToken
		Generated                                                      bool
	}{
		URL: url, Store: describeStore(cfg.store), Agent: cfg.tokens.Agent,
		FirstID: ids[0], FirstToken: cfg.tokens.Customers[ids[0]],
		EnvAgent: envAgentToken, EnvCustomers: envCustomerTokens, Generated: cfg.generated,
	}
	for _, id := range ids {
		data.Customers = append(data.Customers, customerToken{ID: id, Token: cfg.tokens.Customers[id]})
	}
	var b strings.Builder
	if err := walkthrough.Execute(&b, data); err != nil {
		fmt.Fprintf(w, "local mode is running at %s (walk-through could not be printed: %v)\n", url, err)
		return
	}
	fmt.Fprint(w, b.String())
}

func describeStore(store string) string {
	if store == "dynamodb-local" {
		return "DynamoDB Local (in memory, started by this process)"
	}
	return "embedded, in memory (data is lost on stop)"
}
