package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Disclose implements [callsession.Store] with one UpdateItem. It records
// each field of ds in the session's disclosure map unless the field is
// there already. Its condition is that the session is confirmed and inside
// its access window at now, the rule of [callsession.CanDisclose]. On a
// failed condition the session comes back as it was, with false, and a
// missing session is CodeNotFound.
func (s *Store) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	e := newExprArgs()
	disclosures := e.name(attrDisclosures)
	var sets []string
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.Field] {
			continue // a field listed twice is recorded once
		}
		seen[d.Field] = true
		av, err := encode(newDisclosureItem(d))
		if err != nil {
			return callsession.Session{}, false, fmt.Errorf("disclose on session %s: %w", callID, err)
		}
		entry := disclosures + "." + e.name(d.Field)
		sets = append(sets, fmt.Sprintf("%s = if_not_exists(%s, %s)", entry, entry, e.value(&types.AttributeValueMemberM{Value: av})))
	}
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
