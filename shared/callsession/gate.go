package callsession

import "time"

// Reason is the machine-readable reason of a gate decision.
type Reason string

// The reasons of gate decisions.
const (
	ReasonCustomerConfirmed Reason = "customer_confirmed"
	ReasonAwaitingCustomer  Reason = "awaiting_customer"
	ReasonCustomerDenied    Reason = "customer_denied"
	ReasonSessionExpired    Reason = "session_expired"
	ReasonEmergencyAction   Reason = "emergency_action"
	ReasonPublicField       Reason = "public_field"
	ReasonUnknownField      Reason = "unknown_field"
	ReasonUnavailable       Reason = "unavailable"
)

// Decision is whether the agent may read one field, and why.
type Decision struct {
	Field   string
	Allowed bool
	Reason  Reason
}

// Decide returns the decision for one field of class c (known reports whether
// the policy names the field) on session s at now. It allows a sensitive
// field only when the session is confirmed and inside its access window, and
// disclosed reports that the store recorded the disclosure in the same
// atomic step: without that record the field is denied.
func Decide(field string, c Class, known bool, s Session, now time.Time, disclosed bool) Decision {
	d := Decision{Field: field}
	if !known {
		d.Reason = ReasonUnknownField
		return d
	}

	switch c {
	case ClassEmergency:
		d.Allowed, d.Reason = true, ReasonEmergencyAction
		return d
	case ClassPublic:
		d.Allowed, d.Reason = true, ReasonPublicField
		return d
	case ClassSensitive:
		// Handled below.
	default:
		d.Reason = ReasonUnknownField
		return d
	}

	switch s.StatusAt(now) {
	case StatusConfirmed:
		if disclosed {
			d.Allowed, d.Reason = true, ReasonCustomerConfirmed
			return d
		}
		// The store did not record the disclosure, so the session was not
		// confirmed when it was read: deny.
		d.Reason = ReasonSessionExpired
	case StatusPending:
		d.Reason = ReasonAwaitingCustomer
	case StatusDenied:
		d.Reason = ReasonCustomerDenied
	default:
		d.Reason = ReasonSessionExpired
	}
	return d
}

// DenyAll returns a denial of every field with ReasonUnavailable, the gate's
// result when the store failed.
func DenyAll(fields []string) []Decision {
	out := make([]Decision, len(fields))
	for i, f := range fields {
		out[i] = Decision{Field: f, Reason: ReasonUnavailable}
	}
	return out
}

// CanDisclose reports whether sensitive fields of s may be disclosed at now.
// Stores call it inside the atomic step that records a disclosure.
func CanDisclose(s Session, now time.Time) bool {
	return s.StatusAt(now) == StatusConfirmed
}
