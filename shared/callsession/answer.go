package callsession

import (
	"crypto/subtle"
	"time"
)

// Answer is the customer's reply to the push notification.
type Answer string

// The two answers.
const (
	AnswerConfirm Answer = "confirm"
	AnswerDeny    Answer = "deny"
)

// AnswerRequest is a customer's answer to one call session.
type AnswerRequest struct {
	CallID     string
	CustomerID string
	Answer     Answer
	// MatchCode is the code the customer typed; required for a confirm.
	MatchCode string
}

// AnswerResult is the session after an answer.
type AnswerResult struct {
	Session Session
	// Changed is false when the answer repeated the final one (a retry or a
	// double tap) and nothing was written.
	Changed bool
	// Denied is true when this answer made the session denied, by "deny" or
	// by the last allowed wrong match code: the fraud team is alerted.
	Denied bool
}

// ApplyAnswer applies req to s at now. It is the single definition of the
// answer rules that every store applies atomically:
//
//   - a session of another customer is not found (so ids cannot be probed);
//   - "deny" on a pending session inside its answer window makes it denied;
//   - "confirm" with the right code makes it confirmed, with an access window
//     from now; a wrong code counts, and the last allowed one denies it;
//   - the same answer after a final one is a success that changes nothing;
//     another answer after a final one is a conflict;
//   - an answer after the answer window, or to a superseded session, is gone.
//
// On a wrong match code the returned result carries the session with the
// count raised and Changed set, and the error has CodeWrongMatchCode: the
// store must save the session and then return the error.
func ApplyAnswer(s Session, req AnswerRequest, now time.Time, cfg Config) (AnswerResult, error) {
	if s.CustomerID != req.CustomerID {
		return AnswerResult{}, NotFound(req.CallID)
	}

	switch s.Status {
	case StatusConfirmed:
		if req.Answer == AnswerConfirm && codesEqual(s.MatchCode, req.MatchCode) {
			return AnswerResult{Session: s}, nil
		}
		return AnswerResult{}, Errorf(CodeConflict, "call session %q was already confirmed: a different answer cannot change it", s.CallID)
	case StatusDenied:
		if req.Answer == AnswerDeny {
			return AnswerResult{Session: s}, nil
		}
		return AnswerResult{}, Errorf(CodeConflict, "call session %q was already denied: the answer is final", s.CallID)
	case StatusExpired:
		return AnswerResult{}, Errorf(CodeGone, "call session %q was replaced by a newer call: answer the newest prompt", s.CallID)
	}

	if !now.Before(s.AnswerBy) {
		return AnswerResult{}, Errorf(CodeGone, "the answer window of call session %q ended at %s: ask the agent to start a new call session",
			s.CallID, s.AnswerBy.UTC().Format(time.RFC3339))
	}

	switch req.Answer {
	case AnswerDeny:
		s.Status = StatusDenied
		s.Ended = EndCustomerDenied
		s.AnsweredAt = now
		return AnswerResult{Session: s, Changed: true, Denied: true}, nil
	case AnswerConfirm:
		if codesEqual(s.MatchCode, req.MatchCode) {
			s.Status = StatusConfirmed
			s.Ended = EndConfirmed
			s.Method = MethodMatchCode
			s.AnsweredAt = now
			s.AccessUntil = now.Add(cfg.AccessWindow)
			return AnswerResult{Session: s, Changed: true}, nil
		}
		return wrongCode(s, now, cfg)
	}
	return AnswerResult{}, Errorf(CodeInvalid, "answer %q is not valid: use \"confirm\" or \"deny\"", req.Answer)
}

func wrongCode(s Session, now time.Time, cfg Config) (AnswerResult, error) {
	s.WrongCodes++
	left := cfg.MaxWrongCodes - s.WrongCodes
	if left > 0 {
		attempts := "attempts"
		if left == 1 {
			attempts = "attempt"
		}
		return AnswerResult{Session: s, Changed: true},
			Errorf(CodeWrongMatchCode, "match code does not match: check the code the agent read out (%d %s left)", left, attempts)
	}
	s.Status = StatusDenied
	s.Ended = EndWrongMatchCodes
	s.AnsweredAt = now
	return AnswerResult{Session: s, Changed: true, Denied: true},
		Errorf(CodeWrongMatchCode, "match code does not match and no attempts are left: call session %q is now denied", s.CallID)
}

// codesEqual compares in constant time so that response timing does not
// reveal how many leading digits were right.
func codesEqual(stored, typed string) bool {
	return stored != "" && subtle.ConstantTimeCompare([]byte(stored), []byte(typed)) == 1
}
