package callsession

import "time"

// Status is the state of a call session as the agent and the customer see it.
type Status string

// The states of a call session. Only StatusPending, StatusConfirmed and
// StatusDenied are ever stored as the result of an answer; StatusExpired is
// stored when a session is superseded, and is otherwise derived from the
// stored times by [Session.StatusAt].
const (
	StatusPending   Status = "pending"
	StatusConfirmed Status = "confirmed"
	StatusDenied    Status = "denied"
	StatusExpired   Status = "expired"
)

// EndReason explains why a session is no longer pending when the status alone
// does not: a superseded session and an unanswered one are both expired.
type EndReason string

// The reasons a session ended.
const (
	EndSuperseded      EndReason = "superseded"
	EndUnanswered      EndReason = "unanswered"
	EndAccessOver      EndReason = "access_window_over"
	EndCustomerDenied  EndReason = "customer_denied"
	EndWrongMatchCodes EndReason = "too_many_wrong_match_codes"
	EndConfirmed       EndReason = "customer_confirmed"
)

// Method is the way a confirmation was given.
type Method string

// MethodMatchCode is a confirmation in the app with the match code that the
// agent read out.
const MethodMatchCode Method = "match_code"

// Agent is the customer-services agent who started a call session. DisplayName
// is what the customer's phone shows; ID is the bank's own agent identifier.
type Agent struct {
	ID          string
	DisplayName string
}

// PushOutcome counts the customer's devices and how many of them SNS accepted
// the notification for.
type PushOutcome struct {
	Devices int
	Sent    int
	Failed  int
}

// Disclosure records one sensitive field that the gate allowed an agent to see.
type Disclosure struct {
	Field string
	// AgentID and AgentName are the session's agent, who asked for the field.
	AgentID   string
	AgentName string
	// Principal is the authenticated caller of the gate route, such as the
	// IAM principal of the agent tool.
	Principal string
	At        time.Time
}

// Session is one call session. The zero value is not valid; sessions are
// created by [PlanStart].
type Session struct {
	CallID     string
	CustomerID string
	CallRef    string
	Agent      Agent

	// Status is the stored status. Use StatusAt for the status at a given time.
	Status Status
	// MatchCode is the code the agent reads out and the customer types in the
	// app. It is returned to the agent only and is never logged or pushed.
	MatchCode  string
	WrongCodes int
	// Ended is set when the stored status leaves pending, or when the session
	// is superseded.
	Ended EndReason
	// SupersededBy is the call id of the session that replaced this one.
	SupersededBy string
	Method       Method

	StartedAt time.Time
	// AnswerBy is the end of the answer window: an answer is accepted while
	// now is before AnswerBy.
	AnswerBy   time.Time
	AnsweredAt time.Time
	// AccessUntil is the end of the access window of a confirmed session:
	// sensitive fields are allowed while now is before AccessUntil.
	AccessUntil time.Time
	// RetainUntil is the end of retention, after which the store may delete
	// the session. In DynamoDB it is the TTL attribute.
	RetainUntil time.Time

	Push        PushOutcome
	PushedAt    time.Time
	Disclosures []Disclosure
}

// StatusAt returns the status of s at now, deriving expiry from the stored
// windows: a pending session expires when its answer window ends, and a
// confirmed one when its access window ends. Denied is final.
func (s Session) StatusAt(now time.Time) Status {
	switch s.Status {
	case StatusPending:
		if !now.Before(s.AnswerBy) {
			return StatusExpired
		}
		return StatusPending
	case StatusConfirmed:
		if !now.Before(s.AccessUntil) {
			return StatusExpired
		}
		return StatusConfirmed
	case StatusDenied:
		return StatusDenied
	default:
		return StatusExpired
	}
}

// EndReasonAt returns why s is not pending at now, or "" while it is pending.
func (s Session) EndReasonAt(now time.Time) EndReason {
	if s.Ended != "" && s.Status != StatusConfirmed {
		return s.Ended
	}
	switch s.StatusAt(now) {
	case StatusPending:
		return ""
	case StatusConfirmed:
		return EndConfirmed
	case StatusExpired:
		if s.Status == StatusConfirmed {
			return EndAccessOver
		}
		return EndUnanswered
	}
	return s.Ended
}
