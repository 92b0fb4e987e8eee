package callsession_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// TestDecideMatrix checks every effective status against every class, with
// disclosed set as a store sets it: true only for a confirmed session inside
// its access window.
func TestDecideMatrix(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answeredAt := t0.Add(2 * time.Minute)
	accessUntil := answeredAt.Add(cfg.AccessWindow)
	answerBy := t0.Add(cfg.AnswerWindow)

	states := []struct {
		name    string
		session callsession.Session
		now     time.Time
		// sensitiveAllowed and sensitiveReason are the expected decision for a
		// sensitive field.
		sensitiveAllowed bool
		sensitiveReason  callsession.Reason
	}{
		{"pending", pendingSession(), t0.Add(time.Minute), false, callsession.ReasonAwaitingCustomer},
		{"confirmed inside access", confirmedSession(answeredAt), accessUntil.Add(-time.Nanosecond), true, callsession.ReasonCustomerConfirmed},
		{"confirmed at access_until", confirmedSession(answeredAt), accessUntil, false, callsession.ReasonSessionExpired},
		{"confirmed after access", confirmedSession(answeredAt), accessUntil.Add(time.Hour), false, callsession.ReasonSessionExpired},
		{"denied", deniedSession(answeredAt), answeredAt.Add(time.Minute), false, callsession.ReasonCustomerDenied},
		{"expired unanswered", pendingSession(), answerBy, false, callsession.ReasonSessionExpired},
		{"superseded", supersededSession(), t0.Add(time.Minute), false, callsession.ReasonSessionExpired},
	}
	classes := []struct {
		field string
		class callsession.Class
		known bool
	}{
		{"name_on_file", callsession.ClassPublic, true},
		{"balance", callsession.ClassSensitive, true},
		{"freeze_card", callsession.ClassEmergency, true},
		{"shoe_size", "", false},
	}

	for _, st := range states {
		for _, cl := range classes {
			t.Run(fmt.Sprintf("%s/%s", st.name, cl.field), func(t *testing.T) {
				disclosed := callsession.CanDisclose(st.session, st.now)

				got := callsession.Decide(cl.field, cl.class, cl.known, st.session, st.now, disclosed)

				want := callsession.Decision{Field: cl.field}
				switch {
				case !cl.known:
					want.Reason = callsession.ReasonUnknownField
				case cl.class == callsession.ClassPublic:
					want.Allowed, want.Reason = true, callsession.ReasonPublicField
				case cl.class == callsession.ClassEmergency:
					want.Allowed, want.Reason = true, callsession.ReasonEmergencyAction
				default:
					want.Allowed, want.Reason = st.sensitiveAllowed, st.sensitiveReason
				}
				if got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			})
		}
	}
}

func TestDecideSensitiveNotDisclosed(t *testing.T) {
	answeredAt := t0.Add(2 * time.Minute)
	now := answeredAt.Add(time.Minute)

	got := callsession.Decide("balance", callsession.ClassSensitive, true, confirmedSession(answeredAt), now, false)

	if got.Allowed {
		t.Errorf("got allowed true, want false when the store recorded no disclosure")
	}
	if got.Reason == callsession.ReasonCustomerConfirmed {
		t.Errorf("got reason %q, want a denial reason", got.Reason)
	}
}

func TestDecideDisclosedNeedsConfirmed(t *testing.T) {
	// disclosed is true, but a pending or denied session must still be denied.
	tests := []struct {
		name    string
		session callsession.Session
		want    callsession.Reason
	}{
		{"pending", pendingSession(), callsession.ReasonAwaitingCustomer},
		{"denied", deniedSession(t0), callsession.ReasonCustomerDenied},
		{"superseded", supersededSession(), callsession.ReasonSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := callsession.Decide("balance", callsession.ClassSensitive, true, tt.session, t0.Add(time.Minute), true)
			if got.Allowed {
				t.Errorf("got allowed true, want false")
			}
			if got.Reason != tt.want {
				t.Errorf("got reason %q, want %q", got.Reason, tt.want)
			}
		})
	}
}

func TestDecideUnknownClass(t *testing.T) {
	// Decide denies a known field whose class it does not recognise.
	got := callsession.Decide("balance", "secret", true, confirmedSession(t0), t0.Add(time.Minute), true)

	want := callsession.Decision{Field: "balance", Reason: callsession.ReasonUnknownField}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDenyAll(t *testing.T) {
	fields := []string{"name_on_file", "balance", "freeze_card", "shoe_size"}

	got := callsession.DenyAll(fields)

	if len(got) != len(fields) {
		t.Fatalf("got %d decisions, want %d", len(got), len(fields))
	}
	for i, d := range got {
		want := callsession.Decision{Field: fields[i], Reason: callsession.ReasonUnavailable}
		if d != want {
			t.Errorf("decision %d: got %+v, want %+v", i, d, want)
		}
	}
}

func TestCanDisclose(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answeredAt := t0.Add(2 * time.Minute)
	accessUntil := answeredAt.Add(cfg.AccessWindow)

	tests := []struct {
		name    string
		session callsession.Session
		now     time.Time
		want    bool
	}{
		{"pending", pendingSession(), t0, false},
		{"confirmed at answer", confirmedSession(answeredAt), answeredAt, true},
		{"confirmed before access_until", confirmedSession(answeredAt), accessUntil.Add(-time.Nanosecond), true},
		{"confirmed at access_until", confirmedSession(answeredAt), accessUntil, false},
		{"denied", deniedSession(answeredAt), answeredAt, false},
		{"superseded", supersededSession(), t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := callsession.CanDisclose(tt.session, tt.now); got != tt.want {
				t.Errorf("got %t, want %t", got, tt.want)
			}
		})
	}
}
