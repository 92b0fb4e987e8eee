package callsession_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func confirm(code string) callsession.AnswerRequest {
	return callsession.AnswerRequest{CallID: "call_pending", CustomerID: customerCaller.ID, Answer: callsession.AnswerConfirm, MatchCode: code}
}

func deny() callsession.AnswerRequest {
	return callsession.AnswerRequest{CallID: "call_pending", CustomerID: customerCaller.ID, Answer: callsession.AnswerDeny}
}

func TestApplyAnswerConfirm(t *testing.T) {
	cfg := callsession.DefaultConfig()
	now := t0.Add(3 * time.Minute)

	res, err := callsession.ApplyAnswer(pendingSession(), confirm("42"), now, cfg)
	checkCode(t, err, "")

	s := res.Session
	if !res.Changed {
		t.Errorf("got changed false, want true")
	}
	if res.Denied {
		t.Errorf("got denied true, want false")
	}
	if s.Status != callsession.StatusConfirmed {
		t.Errorf("got status %q, want %q", s.Status, callsession.StatusConfirmed)
	}
	if s.Ended != callsession.EndConfirmed {
		t.Errorf("got end reason %q, want %q", s.Ended, callsession.EndConfirmed)
	}
	if s.Method != callsession.MethodMatchCode {
		t.Errorf("got method %q, want %q", s.Method, callsession.MethodMatchCode)
	}
	if !s.AnsweredAt.Equal(now) {
		t.Errorf("got answered_at %s, want %s", s.AnsweredAt, now)
	}
	if want := now.Add(cfg.AccessWindow); !s.AccessUntil.Equal(want) {
		t.Errorf("got access_until %s, want %s", s.AccessUntil, want)
	}
	if s.WrongCodes != 0 {
		t.Errorf("got %d wrong codes, want 0", s.WrongCodes)
	}
}

func TestApplyAnswerConfirmAccessWindow(t *testing.T) {
	cfg := callsession.DefaultConfig()
	cfg.AccessWindow = 15 * time.Minute
	now := t0.Add(time.Minute)

	res, err := callsession.ApplyAnswer(pendingSession(), confirm("42"), now, cfg)
	checkCode(t, err, "")

	if want := now.Add(15 * time.Minute); !res.Session.AccessUntil.Equal(want) {
		t.Errorf("got access_until %s, want %s", res.Session.AccessUntil, want)
	}
}

func TestApplyAnswerDeny(t *testing.T) {
	now := t0.Add(3 * time.Minute)

	res, err := callsession.ApplyAnswer(pendingSession(), deny(), now, callsession.DefaultConfig())
	checkCode(t, err, "")

	s := res.Session
	if !res.Changed {
		t.Errorf("got changed false, want true")
	}
	if !res.Denied {
		t.Errorf("got denied false, want true")
	}
	if s.Status != callsession.StatusDenied {
		t.Errorf("got status %q, want %q", s.Status, callsession.StatusDenied)
	}
	if s.Ended != callsession.EndCustomerDenied {
		t.Errorf("got end reason %q, want %q", s.Ended, callsession.EndCustomerDenied)
	}
	if !s.AnsweredAt.Equal(now) {
		t.Errorf("got answered_at %s, want %s", s.AnsweredAt, now)
	}
	if !s.AccessUntil.IsZero() {
		t.Errorf("got access_until %s, want zero", s.AccessUntil)
	}
}

func TestApplyAnswerWrongCodes(t *testing.T) {
	cfg := callsession.DefaultConfig() // 3 wrong codes deny
	s := pendingSession()

	for i := 1; i <= 2; i++ {
		now := t0.Add(time.Duration(i) * time.Minute)
		res, err := callsession.ApplyAnswer(s, confirm("13"), now, cfg)
		checkCode(t, err, callsession.CodeWrongMatchCode)

		if !res.Changed {
			t.Errorf("wrong code %d: got changed false, want true", i)
		}
		if res.Denied {
			t.Errorf("wrong code %d: got denied true, want false", i)
		}
		if res.Session.WrongCodes != i {
			t.Errorf("wrong code %d: got %d wrong codes, want %d", i, res.Session.WrongCodes, i)
		}
		if res.Session.Status != callsession.StatusPending {
			t.Errorf("wrong code %d: got status %q, want %q", i, res.Session.Status, callsession.StatusPending)
		}
		if msg := domainError(t, err).Message; !strings.Contains(msg, fmt.Sprintf("%d attempt", cfg.MaxWrongCodes-i)) {
			t.Errorf("wrong code %d: got message %q, want it to say how many attempts are left", i, msg)
		}
		s = res.Session
	}

	now := t0.Add(3 * time.Minute)
	res, err := callsession.ApplyAnswer(s, confirm("13"), now, cfg)
	checkCode(t, err, callsession.CodeWrongMatchCode)

	if !res.Changed {
		t.Errorf("third wrong code: got changed false, want true")
	}
	if !res.Denied {
		t.Errorf("third wrong code: got denied false, want true")
	}
	if res.Session.WrongCodes != 3 {
		t.Errorf("third wrong code: got %d wrong codes, want 3", res.Session.WrongCodes)
	}
	if res.Session.Status != callsession.StatusDenied {
		t.Errorf("third wrong code: got status %q, want %q", res.Session.Status, callsession.StatusDenied)
	}
	if res.Session.Ended != callsession.EndWrongMatchCodes {
		t.Errorf("third wrong code: got end reason %q, want %q", res.Session.Ended, callsession.EndWrongMatchCodes)
	}
	if !res.Session.AnsweredAt.Equal(now) {
		t.Errorf("third wrong code: got answered_at %s, want %s", res.Session.AnsweredAt, now)
	}

	// The right code after the session was denied cannot confirm it.
	_, err = callsession.ApplyAnswer(res.Session, confirm("42"), now.Add(time.Second), cfg)
	checkCode(t, err, callsession.CodeConflict)
}

func TestApplyAnswerRightCodeAfterTwoWrong(t *testing.T) {
	cfg := callsession.DefaultConfig()
	s := pendingSession()
	s.WrongCodes = 2

	res, err := callsession.ApplyAnswer(s, confirm("42"), t0.Add(time.Minute), cfg)
	checkCode(t, err, "")

	if res.Session.Status != callsession.StatusConfirmed {
		t.Errorf("got status %q, want %q", res.Session.Status, callsession.StatusConfirmed)
	}
	if !res.Changed {
		t.Errorf("got changed false, want true")
	}
	if res.Denied {
		t.Errorf("got denied true, want false")
	}
}

func TestApplyAnswerMaxWrongCodesConfigured(t *testing.T) {
	cfg := callsession.DefaultConfig()
	cfg.MaxWrongCodes = 1

	res, err := callsession.ApplyAnswer(pendingSession(), confirm("13"), t0.Add(time.Minute), cfg)
	checkCode(t, err, callsession.CodeWrongMatchCode)

	if res.Session.Status != callsession.StatusDenied {
		t.Errorf("got status %q, want %q after the only allowed wrong code", res.Session.Status, callsession.StatusDenied)
	}
	if !res.Denied {
		t.Errorf("got denied false, want true")
	}
}

// TestApplyAnswerRules runs every answer against every stored state and
// checks the code, the flags and that a refused or repeated answer returns
// the stored session unchanged.
func TestApplyAnswerRules(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answeredAt := t0.Add(2 * time.Minute)
	inWindow := t0.Add(5 * time.Minute)
	answerBy := t0.Add(cfg.AnswerWindow)

	wrongCodeDenied := pendingSession()
	wrongCodeDenied.Status = callsession.StatusDenied
	wrongCodeDenied.Ended = callsession.EndWrongMatchCodes
	wrongCodeDenied.WrongCodes = 3
	wrongCodeDenied.AnsweredAt = answeredAt

	invalid := confirm("42")
	invalid.Answer = "maybe"

	otherCustomerConfirm := confirm("42")
	otherCustomerConfirm.CustomerID = otherCustomer.ID
	otherCustomerDeny := deny()
	otherCustomerDeny.CustomerID = otherCustomer.ID

	tests := []struct {
		name        string
		session     callsession.Session
		req         callsession.AnswerRequest
		now         time.Time
		wantCode    callsession.Code
		wantChanged bool
		wantDenied  bool
		wantStatus  callsession.Status // stored status of the returned session, "" when none is returned
	}{
		{"confirm before answer_by", pendingSession(), confirm("42"), answerBy.Add(-time.Nanosecond), "", true, false, callsession.StatusConfirmed},
		{"confirm at answer_by", pendingSession(), confirm("42"), answerBy, callsession.CodeGone, false, false, ""},
		{"confirm after answer_by", pendingSession(), confirm("42"), answerBy.Add(time.Hour), callsession.CodeGone, false, false, ""},
		{"deny before answer_by", pendingSession(), deny(), answerBy.Add(-time.Nanosecond), "", true, true, callsession.StatusDenied},
		{"deny at answer_by", pendingSession(), deny(), answerBy, callsession.CodeGone, false, false, ""},
		{"wrong code at answer_by", pendingSession(), confirm("13"), answerBy, callsession.CodeGone, false, false, ""},
		{"confirm after confirm", confirmedSession(answeredAt), confirm("42"), inWindow, "", false, false, callsession.StatusConfirmed},
		{"confirm with other code after confirm", confirmedSession(answeredAt), confirm("13"), inWindow, callsession.CodeConflict, false, false, ""},
		{"deny after confirm", confirmedSession(answeredAt), deny(), inWindow, callsession.CodeConflict, false, false, ""},
		{"deny after deny", deniedSession(answeredAt), deny(), inWindow, "", false, false, callsession.StatusDenied},
		{"deny after deny past answer_by", deniedSession(answeredAt), deny(), answerBy.Add(time.Hour), "", false, false, callsession.StatusDenied},
		{"confirm after deny", deniedSession(answeredAt), confirm("42"), inWindow, callsession.CodeConflict, false, false, ""},
		{"deny after wrong codes", wrongCodeDenied, deny(), inWindow, "", false, false, callsession.StatusDenied},
		{"confirm after wrong codes", wrongCodeDenied, confirm("42"), inWindow, callsession.CodeConflict, false, false, ""},
		{"confirm superseded", supersededSession(), confirm("42"), inWindow, callsession.CodeGone, false, false, ""},
		{"deny superseded", supersededSession(), deny(), inWindow, callsession.CodeGone, false, false, ""},
		{"confirm by other customer", pendingSession(), otherCustomerConfirm, inWindow, callsession.CodeNotFound, false, false, ""},
		{"deny by other customer", pendingSession(), otherCustomerDeny, inWindow, callsession.CodeNotFound, false, false, ""},
		{"deny by other customer after confirm", confirmedSession(answeredAt), otherCustomerDeny, inWindow, callsession.CodeNotFound, false, false, ""},
		{"invalid answer", pendingSession(), invalid, inWindow, callsession.CodeInvalid, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.session

			res, err := callsession.ApplyAnswer(tt.session, tt.req, tt.now, cfg)
			checkCode(t, err, tt.wantCode)

			if res.Changed != tt.wantChanged {
				t.Errorf("got changed %t, want %t", res.Changed, tt.wantChanged)
			}
			if res.Denied != tt.wantDenied {
				t.Errorf("got denied %t, want %t", res.Denied, tt.wantDenied)
			}
			if res.Session.Status != tt.wantStatus {
				t.Errorf("got session status %q, want %q", res.Session.Status, tt.wantStatus)
			}
			if !tt.wantChanged && tt.wantStatus != "" && !reflect.DeepEqual(res.Session, before) {
				t.Errorf("got session %+v, want the stored one unchanged %+v", res.Session, before)
			}
		})
	}
}

func TestApplyAnswerMessages(t *testing.T) {
	cfg := callsession.DefaultConfig()
	answerBy := t0.Add(cfg.AnswerWindow)

	invalid := confirm("42")
	invalid.Answer = "maybe"
	otherCustomerDeny := deny()
	otherCustomerDeny.CustomerID = otherCustomer.ID

	tests := []struct {
		name    string
		session callsession.Session
		req     callsession.AnswerRequest
		now     time.Time
		want    string // a part of the message
	}{
		{"gone names answer_by", pendingSession(), deny(), answerBy, answerBy.Format(time.RFC3339)},
		{"not found names call id", pendingSession(), otherCustomerDeny, t0, `"call_pending"`},
		{"invalid names answer", pendingSession(), invalid, t0, `"maybe"`},
		{"conflict names call id", deniedSession(t0), confirm("42"), t0, `"call_pending"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := callsession.ApplyAnswer(tt.session, tt.req, tt.now, cfg)
			if msg := domainError(t, err).Message; !strings.Contains(msg, tt.want) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

func TestApplyAnswerMessageHidesMatchCode(t *testing.T) {
	cfg := callsession.DefaultConfig()
	s := pendingSession()
	s.MatchCode = "987654"

	for i := range cfg.MaxWrongCodes {
		res, err := callsession.ApplyAnswer(s, confirm("123456"), t0.Add(time.Minute), cfg)
		if strings.Contains(err.Error(), s.MatchCode) {
			t.Fatalf("wrong code %d: got error %q, want no match code in it", i+1, err)
		}
		s = res.Session
	}
}

func TestApplyAnswerEmptyStoredCode(t *testing.T) {
	// A session stored without a match code must never be confirmed, not
	// even by an empty code.
	s := pendingSession()
	s.MatchCode = ""

	res, err := callsession.ApplyAnswer(s, confirm(""), t0.Add(time.Minute), callsession.DefaultConfig())
	checkCode(t, err, callsession.CodeWrongMatchCode)

	if res.Session.Status == callsession.StatusConfirmed {
		t.Errorf("got status %q, want the session left unconfirmed", res.Session.Status)
	}
}
