package callsession_test

import (
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func TestStatusAt(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answerBy := t0.Add(cfg.AnswerWindow)
	answeredAt := t0.Add(2 * time.Minute)
	accessUntil := answeredAt.Add(cfg.AccessWindow)

	tests := []struct {
		name    string
		session callsession.Session
		now     time.Time
		want    callsession.Status
	}{
		{"pending at start", pendingSession(), t0, callsession.StatusPending},
		{"pending before answer_by", pendingSession(), answerBy.Add(-time.Nanosecond), callsession.StatusPending},
		{"pending at answer_by", pendingSession(), answerBy, callsession.StatusExpired},
		{"pending after answer_by", pendingSession(), answerBy.Add(time.Hour), callsession.StatusExpired},
		{"confirmed at answer", confirmedSession(answeredAt), answeredAt, callsession.StatusConfirmed},
		{"confirmed after answer_by", confirmedSession(answeredAt), answerBy.Add(time.Minute), callsession.StatusConfirmed},
		{"confirmed before access_until", confirmedSession(answeredAt), accessUntil.Add(-time.Nanosecond), callsession.StatusConfirmed},
		{"confirmed at access_until", confirmedSession(answeredAt), accessUntil, callsession.StatusExpired},
		{"confirmed after access_until", confirmedSession(answeredAt), accessUntil.Add(time.Hour), callsession.StatusExpired},
		{"denied at answer", deniedSession(answeredAt), answeredAt, callsession.StatusDenied},
		{"denied after answer_by", deniedSession(answeredAt), answerBy.Add(time.Hour), callsession.StatusDenied},
		{"denied at retention end", deniedSession(answeredAt), t0.Add(cfg.Retention), callsession.StatusDenied},
		{"superseded inside answer window", supersededSession(), t0.Add(time.Minute), callsession.StatusExpired},
		{"superseded at start", supersededSession(), t0, callsession.StatusExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.session.StatusAt(tt.now); got != tt.want {
				t.Errorf("got status %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEndReasonAt(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answerBy := t0.Add(cfg.AnswerWindow)
	answeredAt := t0.Add(2 * time.Minute)
	accessUntil := answeredAt.Add(cfg.AccessWindow)

	wrongCodes := pendingSession()
	wrongCodes.Status = callsession.StatusDenied
	wrongCodes.Ended = callsession.EndWrongMatchCodes

	tests := []struct {
		name    string
		session callsession.Session
		now     time.Time
		want    callsession.EndReason
	}{
		{"pending", pendingSession(), t0, ""},
		{"pending at answer_by", pendingSession(), answerBy, callsession.EndUnanswered},
		{"confirmed inside access", confirmedSession(answeredAt), accessUntil.Add(-time.Nanosecond), callsession.EndConfirmed},
		{"confirmed at access_until", confirmedSession(answeredAt), accessUntil, callsession.EndAccessOver},
		{"denied", deniedSession(answeredAt), answeredAt, callsession.EndCustomerDenied},
		{"denied by wrong codes", wrongCodes, answeredAt, callsession.EndWrongMatchCodes},
		{"superseded", supersededSession(), t0.Add(time.Minute), callsession.EndSuperseded},
		{"superseded after answer_by", supersededSession(), answerBy.Add(time.Minute), callsession.EndSuperseded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.session.EndReasonAt(tt.now); got != tt.want {
				t.Errorf("got end reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSupersede(t *testing.T) {
	got := callsession.Supersede(pendingSession(), "call_newer")

	if got.Status != callsession.StatusExpired {
		t.Errorf("got status %q, want %q", got.Status, callsession.StatusExpired)
	}
	if got.Ended != callsession.EndSuperseded {
		t.Errorf("got end reason %q, want %q", got.Ended, callsession.EndSuperseded)
	}
	if got.SupersededBy != "call_newer" {
		t.Errorf("got superseded_by %q, want %q", got.SupersededBy, "call_newer")
	}
	if got.CallID != "call_pending" {
		t.Errorf("got call id %q, want the old session's %q", got.CallID, "call_pending")
	}
}
