package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// startRead is the customer state that a call start reads before it plans.
type startRead struct {
	state   callsession.CustomerState
	devices []callsession.Device
	// meta is the customer's META item, nil when the customer has none.
	meta *metaItem
	// staleRef is the call id of a call_ref item whose session is gone,
	// which the new start may overwrite.
	staleRef string
}

// startRace reports that a concurrent write changed an item between a call
// start's read and its write.
type startRace struct {
	// superseded is the session that the start meant to supersede, as the
	// failed write found it, or nil.
	superseded *callsession.Session
}

// StartSession implements [callsession.Store]. It reads the customer's state
// with strongly consistent reads, one round trip when the call_ref is new
// and two for a replay, and stores a new session with one
// TransactWriteItems. The transaction is conditioned on the version of the
// customer's META item, so concurrent starts of one customer are
// serialized: the loser reads again and plans again, up to the store's
// start attempts, and then returns CodeConflict.
func (s *Store) StartSession(ctx context.Context, req callsession.StartRequest, since time.Time, plan func(callsession.CustomerState) (callsession.StartPlan, error)) (callsession.StartPlan, []callsession.Device, error) {
	var known *callsession.Session
	for attempt := range s.startAttempts {
		if err := backoff(ctx, attempt); err != nil {
			return callsession.StartPlan{}, nil, unavailable(fmt.Errorf("start session for customer %s: %w", req.CustomerID, err))
		}

		rd, err := s.readStart(ctx, req, since, known)
		if err != nil {
			return callsession.StartPlan{}, nil, err
		}
		p, err := plan(rd.state)
		if err != nil {
			return callsession.StartPlan{}, nil, err
		}
		if !p.Created {
			return p, nil, nil
		}

		race, err := s.writeStart(ctx, since, p, rd)
		if err != nil {
			return callsession.StartPlan{}, nil, err
		}
		if race == nil {
			return p, rd.devices, nil
		}
		known = race.superseded
	}
	return callsession.StartPlan{}, nil, callsession.Errorf(callsession.CodeConflict,
		"call start for customer %q lost %d times to concurrent call starts or answers: retry the request", req.CustomerID, s.startAttempts)
}

// backoff waits before every attempt but the first, a random time that
// grows with the attempt, so that concurrent starts spread out.
func backoff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	wait := time.Duration(rand.Int64N(int64(attempt) * int64(10*time.Millisecond)))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readStart reads the call_ref, the customer's partition and the customer's
// newest session at once, and then the replayed session if the call_ref is
// known. known is a session state from an earlier attempt's failed write.
func (s *Store) readStart(ctx context.Context, req callsession.StartRequest, since time.Time, known *callsession.Session) (startRead, error) {
	var (
		wg                 sync.WaitGroup
		ref                *refItem
		rd                 startRead
		newest             *callsession.Session
		refErr, cusErr, ne error
	)
	wg.Go(func() { ref, refErr = s.getRef(ctx, req.CallRef) })
	wg.Go(func() { rd.meta, rd.devices, cusErr = s.queryCustomer(ctx, req.CustomerID) })
	wg.Go(func() { newest, ne = s.newestSession(ctx, req.CustomerID) })
	wg.Wait()
	if err := errors.Join(refErr, cusErr, ne); err != nil {
		return startRead{}, err
	}

	if ref != nil {
		replay, found, err := s.getSession(ctx, ref.CallID)
		if err != nil {
			return startRead{}, err
		}
		if found {
			rd.state.Replay = &replay
		} else {
			rd.staleRef = ref.CallID
		}
	}

	rd.state.Pending = pendingSession(req.CustomerID, rd.meta, known, newest)
	if rd.meta != nil {
		for _, n := range recentStarts(rd.meta.RecentStarts, since) {
			rd.state.RecentStarts = append(rd.state.RecentStarts, fromNanos(n))
		}
	}
	return rd, nil
}

// pendingSession returns the session named by META as the newest one, if
// its stored status is pending.
//
// META holds the id and the answer deadline of the newest session, but an
// answer updates only the session item, so META cannot tell whether that
// session was answered. A status that is no longer pending never becomes
// pending again, so a state read earlier is trusted when it shows the
// session answered or expired: known comes from a failed write of this
// start, and newest from CustomerIndex, which lags the table by a fraction
// of a second. Otherwise the session counts as pending, and the write's
// condition on its status finds out if it is not.
func pendingSession(customerID string, meta *metaItem, known, newest *callsession.Session) *callsession.Session {
	if meta == nil || meta.PendingCallID == "" {
		return nil
	}

	var sess callsession.Session
	switch {
	case known != nil && known.CallID == meta.PendingCallID:
		sess = *known
	case newest != nil && newest.CallID == meta.PendingCallID:
		sess = *newest
	default:
		// NOTE: this session carries only the fields that PlanStart reads
		// from CustomerState.Pending: the call id, customer, status and
		// answer deadline.
		sess = callsession.Session{
			CallID:     meta.PendingCallID,
			CustomerID: customerID,
			Status:     callsession.StatusPending,
			AnswerBy:   fromNanos(meta.PendingAnswerBy),
		}
	}
	if sess.Status != callsession.StatusPending {
		return nil
	}
	return &sess
}

// recentStarts returns the start times at or after since.
func recentStarts(starts []int64, since time.Time) []int64 {
	var out []int64
	for _, n := range starts {
		if n >= nanos(since) {
			out = append(out, n)
		}
	}
	return out
}

func (s *Store) getRef(ctx context.Context, callRef string) (*refItem, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            refKey(callRef),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable(fmt.Errorf("get call_ref %s: %w", callRef, err))
	}
	if out.Item == nil {
		return nil, nil
	}
	var ref refItem
	if err := attributevalue.UnmarshalMap(out.Item, &ref); err != nil {
		return nil, fmt.Errorf("decode call_ref item %s: %w", callRef, err)
	}
	return &ref, nil
}

// queryCustomer reads the customer's partition, META and devices, with a
// strongly consistent Query.
func (s *Store) queryCustomer(ctx context.Context, customerID string) (*metaItem, []callsession.Device, error) {
	e := newExprArgs()
	keyCond := fmt.Sprintf("%s = %s", e.name(PartitionKey), e.value(str(customerPrefix+customerID)))
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    &keyCond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, nil, unavailable(fmt.Errorf("query customer %s: %w", customerID, err))
	}

	var (
		meta    *metaItem
		devices []map[string]types.AttributeValue
	)
	for _, item := range items {
		sk, _ := item[SortKey].(*types.AttributeValueMemberS)
		if sk != nil && sk.Value == metaSortKey {
			meta = &metaItem{}
			if err := attributevalue.UnmarshalMap(item, meta); err != nil {
				return nil, nil, fmt.Errorf("decode META item of customer %s: %w", customerID, err)
			}
			continue
		}
		devices = append(devices, item)
	}

	list, err := decodeDevices(devices)
	if err != nil {
		return nil, nil, fmt.Errorf("query customer %s: %w", customerID, err)
	}
	return meta, list, nil
}

// newestSession reads the customer's newest session from CustomerIndex,
// an eventually consistent read; nil when there is none.
func (s *Store) newestSession(ctx context.Context, customerID string) (*callsession.Session, error) {
	e := newExprArgs()
	keyCond := fmt.Sprintf("%s = %s", e.name(CustomerIndexPartitionKey), e.value(str(customerPrefix+customerID)))
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(CustomerIndex),
		KeyConditionExpression:    &keyCond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return nil, unavailable(fmt.Errorf("query newest session of customer %s: %w", customerID, err))
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	sess, err := decodeSession(out.Items[0])
	if err != nil {
		return nil, fmt.Errorf("query newest session of customer %s: %w", customerID, err)
	}
	return &sess, nil
}
