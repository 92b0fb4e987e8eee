package main

import (
	"encoding/json"
	"net/http"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/outbox"
)

// outboxHandler serves GET /local/outbox: the messages that would have been
// published to SNS. A customer sees only their own notifications; the agent
// tool sees every record, fraud alerts included. This route exists only in
// the local mode.
func outboxHandler(box *outbox.Outbox, tokens devauth.Tokens) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := tokens.Authenticate(r)
		if err != nil || c.ID == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			httpapi.WriteProblem(w, callsession.Errorf(callsession.CodeUnauthenticated, "credentials are missing or invalid: send a token that the local server printed at start"))
			return
		}

		filter := r.URL.Query().Get("customer_id")
		if c.Kind == callsession.CallerCustomer {
			if filter != "" && filter != c.ID {
				httpapi.WriteProblem(w, callsession.Errorf(callsession.CodeForbidden, "a customer can read only their own notifications: leave out customer_id"))
				return
			}
			filter = c.ID
		}

		records := []outbox.Record{}
		for _, rec := range box.Records(filter) {
			// Fraud alerts go to the bank's fraud team, never to the customer.
			if c.Kind == callsession.CallerCustomer && rec.Kind != outbox.KindNotification {
				continue
			}
			records = append(records, rec)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{"messages": records})
	})
}
