package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

// caller is one column of the authorization matrix.
type caller struct {
	name          string
	authorization string
}

var (
	nobody       = caller{"none", ""}
	invalidToken = caller{"invalid token", "Bearer cus_unknown_token_000000"}
	agent        = caller{"agent", "Bearer " + agentToken}
	owner        = caller{"owner", "Bearer " + aliceToken}
	otherCust    = caller{"other customer", "Bearer " + bobToken}
)

// TestAuthorizationMatrix checks every route against every kind of caller.
// Alice owns the session and the device "phone-1", and Bob is the other
// customer.
func TestAuthorizationMatrix(t *testing.T) {
	const (
		ok        = 0 // the route's success status
		notAuthed = http.StatusUnauthorized
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	routes := []struct {
		method  string
		path    string
		body    func(call startedCall) string
		success int
		want    map[caller]int
	}{
		{
			method:  http.MethodPost,
			path:    "/v1/calls",
			body:    func(startedCall) string { return startBody(alice, "pbx-2") },
			success: http.StatusCreated,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: ok, owner: forbidden, otherCust: forbidden},
		},
		{
			method:  http.MethodGet,
			path:    "/v1/calls/{call}",
			success: http.StatusOK,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: ok, owner: forbidden, otherCust: forbidden},
		},
		{
			method:  http.MethodPost,
			path:    "/v1/calls/{call}/gate",
			body:    func(startedCall) string { return `{"fields": ["balance", "freeze_card"]}` },
			success: http.StatusOK,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: ok, owner: forbidden, otherCust: forbidden},
		},
		{
			method: http.MethodPost,
			path:   "/v1/calls/{call}/response",
			body: func(c startedCall) string {
				return `{"answer": "confirm", "match_code": "` + c.MatchCode + `"}`
			},
			success: http.StatusOK,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: forbidden, owner: ok, otherCust: notFound},
		},
		{
			method:  http.MethodGet,
			path:    "/v1/me/calls",
			success: http.StatusOK,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: forbidden, owner: ok, otherCust: ok},
		},
		{
			method:  http.MethodPut,
			path:    "/v1/me/devices/phone-1",
			body:    func(startedCall) string { return `{"platform": "GCM", "token": "fcm-token-0001"}` },
			success: http.StatusOK,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: forbidden, owner: ok, otherCust: ok},
		},
		{
			method:  http.MethodDelete,
			path:    "/v1/me/devices/phone-1",
			success: http.StatusNoContent,
			want:    map[caller]int{nobody: notAuthed, invalidToken: notAuthed, agent: forbidden, owner: ok, otherCust: notFound},
		},
	}
	wantCode := map[int]string{notAuthed: "unauthenticated", forbidden: "forbidden", notFound: "not_found"}

	for _, rt := range routes {
		for _, c := range []caller{nobody, invalidToken, agent, owner, otherCust} {
			t.Run(rt.method+" "+rt.path+" as "+c.name, func(t *testing.T) {
				e := newEnv(t)
				addDevice(t, e, alice, "phone-1")
				call := e.startCall(t, alice, "pbx-1")
				body := ""
				if rt.body != nil {
					body = rt.body(call)
				}
				r := newRequest(rt.method, strings.ReplaceAll(rt.path, "{call}", call.CallID), "", body)
				if c.authorization != "" {
					r.Header.Set("Authorization", c.authorization)
				}

				res := e.serve(r)

				want, listed := rt.want[c]
				if !listed {
					t.Fatalf("matrix has no entry for %s", c.name)
				}
				if want == ok {
					if res.status != rt.success {
						t.Errorf("status: got %s, want %d", res, rt.success)
					}
					return
				}
				checkProblem(t, res, want, wantCode[want])
				checkUntouched(t, e, call)
			})
		}
	}
}

// addDevice registers an enabled device for the customer directly in the
// store.
func addDevice(t *testing.T, e *env, customerID, deviceID string) {
	t.Helper()
	d := callsession.Device{
		CustomerID:  customerID,
		DeviceID:    deviceID,
		Platform:    callsession.PlatformGCM,
		Token:       "fcm-token-" + deviceID,
		EndpointARN: "arn:aws:sns:eu-west-2:000000000000:endpoint/GCM/test/" + deviceID,
		Enabled:     true,
		UpdatedAt:   e.clock.Now(),
	}
	if err := e.store.PutDevice(t.Context(), d); err != nil {
		t.Fatalf("put device: %v", err)
	}
}

// checkUntouched fails the test unless a rejected request left Alice's
// session pending with no disclosures, her device in place, and sent
// nothing.
func checkUntouched(t *testing.T, e *env, call startedCall) {
	t.Helper()
	s, err := e.store.Session(t.Context(), call.CallID)
	if err != nil {
		t.Fatalf("read session: %v", err)
	}

	if got := s.StatusAt(e.clock.Now()); got != callsession.StatusPending {
		t.Errorf("session status: got %s, want pending", got)
	}
	if len(s.Disclosures) != 0 {
		t.Errorf("disclosures: got %v, want none", s.Disclosures)
	}

	devices, err := e.store.Devices(t.Context(), alice)
	if err != nil {
		t.Fatalf("read devices: %v", err)
	}
	if len(devices) != 1 || devices[0].Token != "fcm-token-phone-1" {
		t.Errorf("Alice's devices: got %+v, want phone-1 unchanged", devices)
	}

	if got := len(e.pusher.Notifications()); got != 1 {
		t.Errorf("pushes: got %d, want only the one of the first call start", got)
	}
	if got := e.pusher.Registered(); len(got) != 0 {
		t.Errorf("registered endpoints: got %v, want none", got)
	}
	if got := e.pusher.Unregistered(); len(got) != 0 {
		t.Errorf("deleted endpoints: got %v, want none", got)
	}
	if got := e.pusher.Alerts(); len(got) != 0 {
		t.Errorf("fraud alerts: got %v, want none", got)
	}
}
