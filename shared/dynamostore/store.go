// Package dynamostore is the production [callsession.Store]: call sessions,
// call refs, per-customer call start state and devices in one DynamoDB
// table. docs/dynamodb.md describes the items, the keys and the round trips
// of each operation.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

var _ callsession.Store = (*Store)(nil)

// storeName is the dependency named in CodeUnavailable messages.
const storeName = "session store"

// defaultStartAttempts is how often StartSession runs its read, plan and
// write before it reports a conflict. A start only retries when another
// start of the same customer or call_ref, or an answer, changed an item
// between the read and the write.
const defaultStartAttempts = 5

// maxAnswerAttempts bounds the compare-and-set loop of a wrong match code,
// which only retries when another answer to the same session landed first.
const maxAnswerAttempts = 10

// Store is the DynamoDB store. It is safe for concurrent use.
type Store struct {
	client        *dynamodb.Client
	table         string
	startAttempts int
}

// Option configures a Store.
type Option func(*Store)

// WithStartAttempts sets how often StartSession tries its read, plan and
// write when concurrent writes make it lose, at least 1; the default is 5.
func WithStartAttempts(n int) Option {
	return func(s *Store) { s.startAttempts = max(n, 1) }
}

// New returns a store on the table, which must have the schema that
// [CreateTable] creates.
func New(client *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{client: client, table: table, startAttempts: defaultStartAttempts}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Session implements [callsession.Store].
func (s *Store) Session(ctx context.Context, callID string) (callsession.Session, error) {
	sess, found, err := s.getSession(ctx, callID)
	if err != nil {
		return callsession.Session{}, err
	}
	if !found {
		return callsession.Session{}, callsession.NotFound(callID)
	}
	return sess, nil
}

// getSession reads a session with a strongly consistent read.
func (s *Store) getSession(ctx context.Context, callID string) (callsession.Session, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            sessionKey(callID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return callsession.Session{}, false, unavailable(fmt.Errorf("get session %s: %w", callID, err))
	}
	if out.Item == nil {
		return callsession.Session{}, false, nil
	}
	sess, err := decodeSession(out.Item)
	if err != nil {
		return callsession.Session{}, false, fmt.Errorf("get session %s: %w", callID, err)
	}
	return sess, true, nil
}

// RecordPush implements [callsession.Store].
func (s *Store) RecordPush(ctx context.Context, callID string, o callsession.PushOutcome, at time.Time) error {
	e := newExprArgs()
	update := fmt.Sprintf("SET %s = %s, %s = %s, %s = %s, %s = %s",
		e.name(attrPushDevices), e.value(number(int64(o.Devices))),
		e.name(attrPushSent), e.value(number(int64(o.Sent))),
		e.name(attrPushFailed), e.value(number(int64(o.Failed))),
		e.name(attrPushedAt), e.value(number(nanos(at))))
	cond := fmt.Sprintf("attribute_exists(%s)", e.name(PartitionKey))

	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       sessionKey(callID),
		UpdateExpression:          &update,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
	}, retryTransactionConflicts)
	if conditionFailed(err) {
		return callsession.NotFound(callID)
	}
	if err != nil {
		return unavailable(fmt.Errorf("record push of session %s: %w", callID, err))
	}
	return nil
}

// retryTransactionConflicts makes the SDK retry a single-item write that
// DynamoDB rejected with TransactionConflictException because a call
// start's transaction was writing the same item. The write's condition is
// evaluated again on each attempt.
func retryTransactionConflicts(o *dynamodb.Options) {
	o.Retryer = retry.AddWithErrorCodes(o.Retryer, (&types.TransactionConflictException{}).ErrorCode())
}

// unavailable wraps an SDK error as CodeUnavailable.
func unavailable(err error) error {
	return callsession.Unavailable(storeName, err)
}

// conditionFailed reports whether err is a failed condition of a single-item
// write.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// oldItem returns the item that a failed condition returned with
// ReturnValuesOnConditionCheckFailure=ALL_OLD, or nil when the item did not
// exist or err is not a failed condition.
func oldItem(err error) map[string]types.AttributeValue {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item
	}
	return nil
}
