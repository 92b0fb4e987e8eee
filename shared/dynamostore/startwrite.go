package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Cancellation reason codes of TransactWriteItems that mean another write
// won a race; other codes are failures.
const (
	reasonNone            = "None"
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonConflict        = "TransactionConflict"
)

// writeStart stores a planned call start in one TransactWriteItems: the new
// session, its call_ref, the customer's META item and, if the plan says so,
// the superseded session. It returns a non-nil *startRace when a condition
// failed because of a concurrent write.
func (s *Store) writeStart(ctx context.Context, since time.Time, p callsession.StartPlan, rd startRead) (*startRace, error) {
	items, err := s.startItems(since, p, rd)
	if err != nil {
		return nil, fmt.Errorf("start session %s: %w", p.Session.CallID, err)
	}

	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil, nil
	}
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return nil, unavailable(fmt.Errorf("start session %s: %w", p.Session.CallID, err))
	}
	return raceOf(canceled, p, err)
}

// raceOf separates a lost race from a failure in a canceled transaction,
// and decodes the superseded session if its condition failed.
func raceOf(canceled *types.TransactionCanceledException, p callsession.StartPlan, err error) (*startRace, error) {
	race := &startRace{}
	for i, r := range canceled.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "", reasonNone, reasonConflict:
		case reasonConditionFailed:
			if i != supersedeIndex || r.Item == nil {
				continue
			}
			sess, derr := decodeSession(r.Item)
			if derr != nil {
				return nil, fmt.Errorf("start session %s: %w", p.Session.CallID, derr)
			}
			race.superseded = &sess
		default:
			return nil, unavailable(fmt.Errorf("start session %s: %w", p.Session.CallID, err))
		}
	}
	return race, nil
}

// supersedeIndex is the position of the superseded session's update in the
// transaction that startItems builds.
const supersedeIndex = 3

func (s *Store) startItems(since time.Time, p callsession.StartPlan, rd startRead) ([]types.TransactWriteItem, error) {
	sessionPut, err := s.newSessionPut(p.Session)
	if err != nil {
		return nil, err
	}
	refPut, err := s.newRefPut(p.Session, rd.staleRef)
	if err != nil {
		return nil, err
	}
	metaPut, err := s.newMetaPut(since, p.Session, rd.meta)
	if err != nil {
		return nil, err
	}

	items := []types.TransactWriteItem{sessionPut, refPut, metaPut}
	if p.Supersede != "" {
		items = append(items, s.supersedeUpdate(p.Supersede, p.Session))
	}
	return items, nil
}

// newSessionPut writes the new session; call ids are random, and the
// condition makes a collision fail instead of overwriting.
func (s *Store) newSessionPut(sess callsession.Session) (types.TransactWriteItem, error) {
	item, err := encode(newSessionItem(sess))
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	e := newExprArgs()
	cond := fmt.Sprintf("attribute_not_exists(%s)", e.name(PartitionKey))
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                &s.table,
		Item:                     item,
		ConditionExpression:      &cond,
		ExpressionAttributeNames: e.Names(),
	}}, nil
}

// newRefPut writes the call_ref on the condition that no start has taken
// it, except a start whose session is gone (staleRef).
func (s *Store) newRefPut(sess callsession.Session, staleRef string) (types.TransactWriteItem, error) {
	item, err := encode(refItem{
		PK:         refPrefix + sess.CallRef,
		SK:         refSortKey,
		ExpiresAt:  ttlSeconds(sess.RetainUntil),
		CallID:     sess.CallID,
		CustomerID: sess.CustomerID,
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}

	e := newExprArgs()
	cond := fmt.Sprintf("attribute_not_exists(%s)", e.name(PartitionKey))
	if staleRef != "" {
		cond += fmt.Sprintf(" OR %s = %s", e.name(attrCallID), e.value(str(staleRef)))
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
	}}, nil
}

// newMetaPut replaces the customer's META item on the condition that its
// version is the one read, making sess the newest session and adding its
// start to the starts inside the push budget period.
func (s *Store) newMetaPut(since time.Time, sess callsession.Session, old *metaItem) (types.TransactWriteItem, error) {
	meta := metaItem{
		PK:              customerPrefix + sess.CustomerID,
		SK:              metaSortKey,
		ExpiresAt:       ttlSeconds(sess.RetainUntil),
		Version:         1,
		PendingCallID:   sess.CallID,
		PendingAnswerBy: nanos(sess.AnswerBy),
		RecentStarts:    []int64{nanos(sess.StartedAt)},
	}
	e := newExprArgs()
	var cond string
	if old == nil {
		cond = fmt.Sprintf("attribute_not_exists(%s)", e.name(PartitionKey))
	} else {
		meta.ExpiresAt = max(meta.ExpiresAt, old.ExpiresAt)
		meta.Version = old.Version + 1
		meta.RecentStarts = append(recentStarts(old.RecentStarts, since), meta.RecentStarts...)
		cond = fmt.Sprintf("%s = %s", e.name(attrVersion), e.value(number(old.Version)))
	}

	item, err := encode(meta)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
	}}, nil
}

// supersedeUpdate expires the session callID in favor of next, on the
// condition that it is still pending. When an answer landed first, the
// failed condition returns the session as it is now.
func (s *Store) supersedeUpdate(callID string, next callsession.Session) types.TransactWriteItem {
	e := newExprArgs()
	update := fmt.Sprintf("SET %s = %s, %s = %s, %s = %s",
		e.name(attrStatus), e.value(str(string(callsession.StatusExpired))),
		e.name(attrEnded), e.value(str(string(callsession.EndSuperseded))),
		e.name(attrSupersededBy), e.value(str(next.CallID)))
	cond := fmt.Sprintf("%s = %s AND %s = %s",
		e.name(attrStatus), e.value(str(string(callsession.StatusPending))),
		e.name(attrCustomerID), e.value(str(next.CustomerID)))

	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           &s.table,
		Key:                                 sessionKey(callID),
		UpdateExpression:                    &update,
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}
