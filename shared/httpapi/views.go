package httpapi

import (
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// timeJSON formats times as RFC 3339 in UTC with milliseconds; the zero time
// is left out by the omitempty on pointer fields.
func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	return &s
}

type agentJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

type pushJSON struct {
	Devices int `json:"devices"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
}

// sessionJSON is the session as the agent's screen shows it.
type sessionJSON struct {
	CallID     string    `json:"call_id"`
	CustomerID string    `json:"customer_id"`
	CallRef    string    `json:"call_ref"`
	Status     string    `json:"status"`
	EndReason  string    `json:"end_reason,omitempty"`
	MatchCode  string    `json:"match_code,omitempty"`
	Agent      agentJSON `json:"agent"`
	StartedAt  *string   `json:"started_at"`
	AnswerBy   *string   `json:"answer_by"`
	AnsweredAt *string   `json:"answered_at,omitempty"`
	// AccessUntil is set for a confirmed session, also after it has ended.
	AccessUntil *string  `json:"access_until,omitempty"`
	Push        pushJSON `json:"push"`
}

// toSessionJSON renders s at now. The match code is shown while the session
// is pending, so that the agent can read it out again after a page reload,
// and hidden once it can no longer be used.
func toSessionJSON(s callsession.Session, now time.Time) sessionJSON {
	v := sessionJSON{
		CallID:      s.CallID,
		CustomerID:  s.CustomerID,
		CallRef:     s.CallRef,
		Status:      string(s.StatusAt(now)),
		EndReason:   string(s.EndReasonAt(now)),
		Agent:       agentJSON{ID: s.Agent.ID, DisplayName: s.Agent.DisplayName},
		StartedAt:   timeJSON(s.StartedAt),
		AnswerBy:    timeJSON(s.AnswerBy),
		AnsweredAt:  timeJSON(s.AnsweredAt),
		AccessUntil: timeJSON(s.AccessUntil),
		Push:        pushJSON{Devices: s.Push.Devices, Sent: s.Push.Sent, Failed: s.Push.Failed},
	}
	if v.Status == string(callsession.StatusPending) {
		v.MatchCode = s.MatchCode
	}
	return v
}

type decisionJSON struct {
	Field   string `json:"field"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

func toDecisionJSON(d callsession.Decision) decisionJSON {
	return decisionJSON{Field: d.Field, Allowed: d.Allowed, Reason: string(d.Reason)}
}

type gateJSON struct {
	CallID    string         `json:"call_id"`
	Status    string         `json:"status"`
	Decisions []decisionJSON `json:"decisions"`
}

// answerJSON is what the app sees after answering.
type answerJSON struct {
	CallID      string  `json:"call_id"`
	Status      string  `json:"status"`
	EndReason   string  `json:"end_reason,omitempty"`
	AnsweredAt  *string `json:"answered_at,omitempty"`
	AccessUntil *string `json:"access_until,omitempty"`
}

type disclosureJSON struct {
	Field            string  `json:"field"`
	AgentDisplayName string  `json:"agent_display_name"`
	At               *string `json:"at"`
}

// historyCallJSON is one call in the customer's history. It leaves out the
// match code and the agent tool's principal, which are the bank's business.
type historyCallJSON struct {
	CallID           string           `json:"call_id"`
	Status           string           `json:"status"`
	EndReason        string           `json:"end_reason,omitempty"`
	AgentDisplayName string           `json:"agent_display_name"`
	StartedAt        *string          `json:"started_at"`
	AnswerBy         *string          `json:"answer_by"`
	AnsweredAt       *string          `json:"answered_at,omitempty"`
	AccessUntil      *string          `json:"access_until,omitempty"`
	Disclosed        []disclosureJSON `json:"disclosed"`
}

type historyJSON struct {
	CustomerID string            `json:"customer_id"`
	Calls      []historyCallJSON `json:"calls"`
}

func toHistoryCallJSON(s callsession.Session, now time.Time) historyCallJSON {
	v := historyCallJSON{
		CallID:           s.CallID,
		Status:           string(s.StatusAt(now)),
		EndReason:        string(s.EndReasonAt(now)),
		AgentDisplayName: s.Agent.DisplayName,
		StartedAt:        timeJSON(s.StartedAt),
		AnswerBy:         timeJSON(s.AnswerBy),
		AnsweredAt:       timeJSON(s.AnsweredAt),
		AccessUntil:      timeJSON(s.AccessUntil),
		Disclosed:        []disclosureJSON{},
	}
	for _, d := range s.Disclosures {
		v.Disclosed = append(v.Disclosed, disclosureJSON{Field: d.Field, AgentDisplayName: d.AgentName, At: timeJSON(d.At)})
	}
	return v
}

type deviceJSON struct {
	DeviceID  string  `json:"device_id"`
	Platform  string  `json:"platform"`
	Enabled   bool    `json:"enabled"`
	UpdatedAt *string `json:"updated_at"`
}
