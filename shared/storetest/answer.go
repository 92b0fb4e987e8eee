package storetest

import (
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// wrongCode returns a match code of the right length that is not s's.
func wrongCode(s callsession.Session) string {
	if s.MatchCode == "00" {
		return "01"
	}
	return "00"
}

func testAnswerConfirm(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	now := t0.Add(time.Minute)
	res, err := f.answer(s, callsession.AnswerConfirm, s.MatchCode, now)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if !res.Changed || res.Denied {
		t.Fatalf("got changed=%v denied=%v, want changed and not denied", res.Changed, res.Denied)
	}

	want := s
	want.Status = callsession.StatusConfirmed
	want.Ended = callsession.EndConfirmed
	want.Method = callsession.MethodMatchCode
	want.AnsweredAt = now
	want.AccessUntil = now.Add(cfg.AccessWindow)
	wantSession(t, "answer result", res.Session, want)
	wantSession(t, "stored session", f.session(s.CallID), want)
}

func testAnswerDeny(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	now := t0.Add(time.Minute)
	res, err := f.answer(s, callsession.AnswerDeny, "", now)
	if err != nil {
		t.Fatalf("deny: %v", err)
	}
	if !res.Changed || !res.Denied {
		t.Fatalf("got changed=%v denied=%v, want both", res.Changed, res.Denied)
	}

	want := s
	want.Status = callsession.StatusDenied
	want.Ended = callsession.EndCustomerDenied
	want.AnsweredAt = now
	wantSession(t, "answer result", res.Session, want)
	wantSession(t, "stored session", f.session(s.CallID), want)
}

func testAnswerRetry(t *testing.T, f *fixture) {
	tests := []struct {
		answer callsession.Answer
		code   func(callsession.Session) string
	}{
		{callsession.AnswerConfirm, func(s callsession.Session) string { return s.MatchCode }},
		{callsession.AnswerDeny, func(callsession.Session) string { return "" }},
	}
	for i, tt := range tests {
		s := f.start("cus-"+string(tt.answer), "ref-"+string(rune('a'+i)), t0).Session
		first, err := f.answer(s, tt.answer, tt.code(s), t0.Add(time.Minute))
		if err != nil {
			t.Fatalf("%s: first answer: %v", tt.answer, err)
		}

		again, err := f.answer(s, tt.answer, tt.code(s), t0.Add(2*time.Minute))
		if err != nil {
			t.Fatalf("%s: repeated answer: got %v, want success", tt.answer, err)
		}
		if again.Changed || again.Denied {
			t.Fatalf("%s: repeated answer: got changed=%v denied=%v, want neither", tt.answer, again.Changed, again.Denied)
		}
		wantSession(t, string(tt.answer)+": repeated answer result", again.Session, first.Session)
		wantSession(t, string(tt.answer)+": stored session", f.session(s.CallID), first.Session)
	}
}

func testAnswerWrongCodes(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	for i := 1; i < cfg.MaxWrongCodes; i++ {
		res, err := f.answer(s, callsession.AnswerConfirm, wrongCode(s), t0.Add(time.Duration(i)*time.Minute))
		wantCode(t, "wrong code", err, callsession.CodeWrongMatchCode)
		if !res.Changed || res.Denied || res.Session.WrongCodes != i {
			t.Fatalf("wrong code %d: got changed=%v denied=%v wrong codes %d, want changed, not denied, %d",
				i, res.Changed, res.Denied, res.Session.WrongCodes, i)
		}
		stored := f.session(s.CallID)
		if stored.WrongCodes != i || stored.Status != callsession.StatusPending {
			t.Fatalf("wrong code %d: got stored wrong codes %d, status %q, want %d, pending", i, stored.WrongCodes, stored.Status, i)
		}
	}

	now := t0.Add(5 * time.Minute)
	res, err := f.answer(s, callsession.AnswerConfirm, wrongCode(s), now)
	wantCode(t, "last wrong code", err, callsession.CodeWrongMatchCode)
	if !res.Changed || !res.Denied {
		t.Fatalf("last wrong code: got changed=%v denied=%v, want both", res.Changed, res.Denied)
	}
	want := s
	want.Status = callsession.StatusDenied
	want.Ended = callsession.EndWrongMatchCodes
	want.WrongCodes = cfg.MaxWrongCodes
	want.AnsweredAt = now
	wantSession(t, "last wrong code result", res.Session, want)
	wantSession(t, "stored session", f.session(s.CallID), want)

	_, err = f.answer(s, callsession.AnswerConfirm, s.MatchCode, now.Add(time.Second))
	wantCode(t, "right code after denial", err, callsession.CodeConflict)
}

func testAnswerConflict(t *testing.T, f *fixture) {
	confirmed := f.start("cus-1", "ref-1", t0).Session
	f.confirm(confirmed, t0.Add(time.Minute))
	_, err := f.answer(confirmed, callsession.AnswerDeny, "", t0.Add(2*time.Minute))
	wantCode(t, "deny after confirm", err, callsession.CodeConflict)
	_, err = f.answer(confirmed, callsession.AnswerConfirm, wrongCode(confirmed), t0.Add(2*time.Minute))
	wantCode(t, "wrong code after confirm", err, callsession.CodeConflict)
	if got := f.session(confirmed.CallID).Status; got != callsession.StatusConfirmed {
		t.Fatalf("got status %q after conflicting answers, want confirmed", got)
	}

	denied := f.start("cus-2", "ref-2", t0).Session
	f.deny(denied, t0.Add(time.Minute))
	_, err = f.answer(denied, callsession.AnswerConfirm, denied.MatchCode, t0.Add(2*time.Minute))
	wantCode(t, "confirm after deny", err, callsession.CodeConflict)
	if got := f.session(denied.CallID).Status; got != callsession.StatusDenied {
		t.Fatalf("got status %q after conflicting answer, want denied", got)
	}
}

func testAnswerAfterWindow(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	for _, a := range []callsession.Answer{callsession.AnswerConfirm, callsession.AnswerDeny} {
		code := ""
		if a == callsession.AnswerConfirm {
			code = s.MatchCode
		}
		_, err := f.answer(s, a, code, s.AnswerBy)
		wantCode(t, string(a)+" at the end of the answer window", err, callsession.CodeGone)
	}
	wantSession(t, "stored session", f.session(s.CallID), s)

	// The last instant inside the window still counts.
	f.confirm(s, s.AnswerBy.Add(-time.Nanosecond))
}

func testAnswerOtherCustomer(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	other := s
	other.CustomerID = "cus-2"
	for _, a := range []callsession.Answer{callsession.AnswerConfirm, callsession.AnswerDeny} {
		code := ""
		if a == callsession.AnswerConfirm {
			code = s.MatchCode
		}
		_, err := f.answer(other, a, code, t0.Add(time.Minute))
		wantCode(t, string(a)+" by another customer", err, callsession.CodeNotFound)
	}
	wantSession(t, "stored session", f.session(s.CallID), s)

	unknown := s
	unknown.CallID = "call_unknown"
	_, err := f.answer(unknown, callsession.AnswerDeny, "", t0.Add(time.Minute))
	wantCode(t, "answer to unknown session", err, callsession.CodeNotFound)
}

func testAnswerInvalid(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	_, err := f.answer(s, "maybe", "", t0.Add(time.Minute))
	wantCode(t, "unknown answer", err, callsession.CodeInvalid)
	wantSession(t, "stored session", f.session(s.CallID), s)
}
