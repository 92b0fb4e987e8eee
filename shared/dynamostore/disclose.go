package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Disclose implements [callsession.Store] with one UpdateItem that appends
// ds to the session's disclosure list on the condition that the session is
// confirmed and inside its access window at now, the same rule as
// [callsession.CanDisclose]. On a failed condition the session comes back
// as it was, with false; a missing session is CodeNotFound.
//
// The list lives on the session item, whose size DynamoDB limits to 400 KB.
// NOTE: an append past the limit fails with a ValidationException, which
// is returned as CodeUnavailable, so the gate denies the fields.
func (s *Store) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	records := make([]types.AttributeValue, len(ds))
	for i, d := range ds {
		av, err := encode(newDisclosureItem(d))
		if err != nil {
			return callsession.Session{}, false, fmt.Errorf("disclose on session %s: %w", callID, err)
		}
		records[i] = &types.AttributeValueMemberM{Value: av}
	}

	e := newExprArgs()
	list := e.name(attrDisclosures)
	sets := []string{fmt.Sprintf("%s = list_append(if_not_exists(%s, %s), %s)",
		list, list, e.value(&types.AttributeValueMemberL{}), e.value(&types.AttributeValueMemberL{Value: records}))}
	cond := []string{
		fmt.Sprintf("attribute_exists(%s)", e.name(PartitionKey)),
		fmt.Sprintf("%s = %s", e.name(attrStatus), e.value(str(string(callsession.StatusConfirmed)))),
		fmt.Sprintf("%s > %s", e.name(attrAccessUntil), e.value(number(nanos(now)))),
	}

	out, err := s.client.UpdateItem(ctx, s.conditionalUpdate(callID, e, sets, cond), retryTransactionConflicts)
	if err == nil {
		sess, err := decodeSession(out.Attributes)
		if err != nil {
			return callsession.Session{}, false, fmt.Errorf("disclose on session %s: %w", callID, err)
		}
		return sess, true, nil
	}
	if !conditionFailed(err) {
		return callsession.Session{}, false, unavailable(fmt.Errorf("disclose on session %s: %w", callID, err))
	}

	sess, err := s.decodeOld(callID, err)
	if err != nil {
		return callsession.Session{}, false, err
	}
	return sess, false, nil
}
