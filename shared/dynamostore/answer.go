package dynamostore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Answer implements [callsession.Store]. A deny or a confirm with the right
// code takes one conditional UpdateItem. When its condition fails, the item
// that DynamoDB returns with the failure goes through
// [callsession.ApplyAnswer], which tells a retried answer (a success that
// changes nothing) from a conflict, a closed window or a wrong match code.
// A wrong match code is then stored by a second write, conditioned on the
// state it was computed from.
func (s *Store) Answer(ctx context.Context, req callsession.AnswerRequest, now time.Time, cfg callsession.Config) (callsession.AnswerResult, error) {
	in, ok := s.answerUpdate(req, now, cfg)
	if !ok {
		// Neither confirm nor deny: ApplyAnswer returns the error for it.
		return s.answerFromRead(ctx, req, now, cfg)
	}

	out, err := s.client.UpdateItem(ctx, in, retryTransactionConflicts)
	if err == nil {
		sess, err := decodeSession(out.Attributes)
		if err != nil {
			return callsession.AnswerResult{}, fmt.Errorf("store answer to session %s: %w", req.CallID, err)
		}
		return callsession.AnswerResult{Session: sess, Changed: true, Denied: req.Answer == callsession.AnswerDeny}, nil
	}
	if !conditionFailed(err) {
		return callsession.AnswerResult{}, unavailable(fmt.Errorf("store answer to session %s: %w", req.CallID, err))
	}
	sess, err := s.decodeOld(req.CallID, err)
	if err != nil {
		return callsession.AnswerResult{}, err
	}
	return s.applyAndStore(ctx, sess, req, now, cfg)
}

// answerUpdate returns the write that a deny, or a confirm with the right
// code, makes on a pending session of the customer inside its answer window.
// The match code is compared by the condition.
// NOTE: DynamoDB's comparison is not constant-time, but its timing is
// hidden in the network round trip, and a session allows only a few wrong
// codes.
func (s *Store) answerUpdate(req callsession.AnswerRequest, now time.Time, cfg callsession.Config) (*dynamodb.UpdateItemInput, bool) {
	e := newExprArgs()
	cond := []string{
		fmt.Sprintf("%s = %s", e.name(attrCustomerID), e.value(str(req.CustomerID))),
		fmt.Sprintf("%s = %s", e.name(attrStatus), e.value(str(string(callsession.StatusPending)))),
		fmt.Sprintf("%s > %s", e.name(attrAnswerBy), e.value(number(nanos(now)))),
	}

	var sets []string
	set := func(attr string, v types.AttributeValue) {
		sets = append(sets, fmt.Sprintf("%s = %s", e.name(attr), e.value(v)))
	}
	switch req.Answer {
	case callsession.AnswerDeny:
		set(attrStatus, str(string(callsession.StatusDenied)))
		set(attrEnded, str(string(callsession.EndCustomerDenied)))
		set(attrAnsweredAt, number(nanos(now)))
	case callsession.AnswerConfirm:
		cond = append(cond, fmt.Sprintf("%s = %s", e.name(attrMatchCode), e.value(str(req.MatchCode))))
		set(attrStatus, str(string(callsession.StatusConfirmed)))
		set(attrEnded, str(string(callsession.EndConfirmed)))
		set(attrMethod, str(string(callsession.MethodMatchCode)))
		set(attrAnsweredAt, number(nanos(now)))
		set(attrAccessUntil, number(nanos(now.Add(cfg.AccessWindow))))
	default:
		return nil, false
	}

	return s.conditionalUpdate(req.CallID, e, sets, cond), true
}

// conditionalUpdate returns an UpdateItem of a session that returns the new
// item on success and the old one on a failed condition.
func (s *Store) conditionalUpdate(callID string, e *exprArgs, sets, cond []string) *dynamodb.UpdateItemInput {
	update := "SET " + strings.Join(sets, ", ")
	condition := strings.Join(cond, " AND ")
	return &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 sessionKey(callID),
		UpdateExpression:                    &update,
		ConditionExpression:                 &condition,
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// answerFromRead applies the answer to a strongly consistent read of the
// session. It serves answers that have no fast path.
func (s *Store) answerFromRead(ctx context.Context, req callsession.AnswerRequest, now time.Time, cfg callsession.Config) (callsession.AnswerResult, error) {
	sess, found, err := s.getSession(ctx, req.CallID)
	if err != nil {
		return callsession.AnswerResult{}, err
	}
	if !found {
		return callsession.AnswerResult{}, callsession.NotFound(req.CallID)
	}
	return s.applyAndStore(ctx, sess, req, now, cfg)
}

// applyAndStore applies the answer to sess and, when that changes it, stores
// the change on the condition that the session's status and wrong code
// count are still those of sess. When another answer landed in between, it
// applies the answer again to the session that this write found.
func (s *Store) applyAndStore(ctx context.Context, sess callsession.Session, req callsession.AnswerRequest, now time.Time, cfg callsession.Config) (callsession.AnswerResult, error) {
	for range maxAnswerAttempts {
		res, answerErr := callsession.ApplyAnswer(sess, req, now, cfg)
		if !res.Changed {
			return res, answerErr
		}

		out, err := s.client.UpdateItem(ctx, s.compareAndSetAnswer(sess, res.Session), retryTransactionConflicts)
		if err == nil {
			stored, err := decodeSession(out.Attributes)
			if err != nil {
				return callsession.AnswerResult{}, fmt.Errorf("store answer to session %s: %w", req.CallID, err)
			}
			res.Session = stored
			return res, answerErr
		}
		if !conditionFailed(err) {
			return callsession.AnswerResult{}, unavailable(fmt.Errorf("store answer to session %s: %w", req.CallID, err))
		}
		if sess, err = s.decodeOld(req.CallID, err); err != nil {
			return callsession.AnswerResult{}, err
		}
	}
	return callsession.AnswerResult{}, callsession.Errorf(callsession.CodeConflict,
		"call session %q is being answered by several requests at once: retry the answer", req.CallID)
}

// decodeOld decodes the item returned with a failed condition, or returns
// NotFound when there was none.
func (s *Store) decodeOld(callID string, condErr error) (callsession.Session, error) {
	old := oldItem(condErr)
	if old == nil {
		return callsession.Session{}, callsession.NotFound(callID)
	}
	sess, err := decodeSession(old)
	if err != nil {
		return callsession.Session{}, fmt.Errorf("store answer to session %s: %w", callID, err)
	}
	return sess, nil
}

// compareAndSetAnswer returns the write of the answer fields of next,
// conditioned on the status and the wrong code count of prev, the only
// fields an answer reads that other writes change.
func (s *Store) compareAndSetAnswer(prev, next callsession.Session) *dynamodb.UpdateItemInput {
	e := newExprArgs()
	cond := []string{
		fmt.Sprintf("%s = %s", e.name(attrStatus), e.value(str(string(prev.Status)))),
		fmt.Sprintf("%s = %s", e.name(attrWrongCodes), e.value(number(int64(prev.WrongCodes)))),
	}

	var sets []string
	set := func(attr string, v types.AttributeValue) {
		sets = append(sets, fmt.Sprintf("%s = %s", e.name(attr), e.value(v)))
	}
	set(attrStatus, str(string(next.Status)))
	set(attrWrongCodes, number(int64(next.WrongCodes)))
	if next.Ended != "" {
		set(attrEnded, str(string(next.Ended)))
	}
	if next.Method != "" {
		set(attrMethod, str(string(next.Method)))
	}
	if !next.AnsweredAt.IsZero() {
		set(attrAnsweredAt, number(nanos(next.AnsweredAt)))
	}
	if !next.AccessUntil.IsZero() {
		set(attrAccessUntil, number(nanos(next.AccessUntil)))
	}
	return s.conditionalUpdate(next.CallID, e, sets, cond)
}
