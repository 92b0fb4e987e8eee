package httpapi_test

import (
	"net/http"
	"testing"
)

// TestFieldNamesExact checks that field names match with case and appear
// once, where encoding/json alone would accept folded case and let the
// last duplicate win.
func TestFieldNamesExact(t *testing.T) {
	e := newEnv(t)
	c := e.startCall(t, alice, "pbx-strict-1")

	tests := []struct {
		name, target, body, wantDetail string
	}{
		{"folded case", "/v1/calls", `{"Customer_Id": "cus_x", "call_ref": "pbx-s2", "agent": {"id": "a", "display_name": "H"}}`, `"Customer_Id"`},
		{"unicode folding", "/v1/calls", `{"cuſtomer_id": "cus_x", "call_ref": "pbx-s3", "agent": {"id": "a", "display_name": "H"}}`, `"cuſtomer_id"`},
		{"nested folded case", "/v1/calls", `{"customer_id": "cus_x", "call_ref": "pbx-s4", "agent": {"ID": "a", "display_name": "H"}}`, `"agent.ID"`},
		{"duplicate key", "/v1/calls", `{"customer_id": "cus_1", "customer_id": "cus_2", "call_ref": "pbx-s5", "agent": {"id": "a", "display_name": "H"}}`, `"customer_id" appears twice`},
		{"duplicate with other case", "/v1/calls/" + c.CallID + "/gate", `{"fields": ["balance"], "FIELDS": ["freeze_card"]}`, `"FIELDS"`},
		{"nested unknown field", "/v1/calls", `{"customer_id": "cus_x", "call_ref": "pbx-s6", "agent": {"id": "a", "display_name": "H", "x": 1}}`, `"agent.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(http.MethodPost, tt.target, agentToken, tt.body)
			p := checkProblem(t, res, http.StatusBadRequest, "invalid")
			checkDetailContains(t, p, tt.wantDetail)
		})
	}
}
