package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/yourang/yourang/shared/callsession"
)

// History implements [callsession.Store] with a Query of CustomerIndex,
// newest first.
// NOTE: reads of a global secondary index are eventually consistent, so a
// session started or answered less than about a second ago may be missing
// or show its previous state.
func (s *Store) History(ctx context.Context, customerID string, since time.Time, limit int) ([]callsession.Session, error) {
	e := newExprArgs()
	keyCond := fmt.Sprintf("%s = %s AND %s >= %s",
		e.name(CustomerIndexPartitionKey), e.value(str(customerPrefix+customerID)),
		e.name(CustomerIndexSortKey), e.value(str(indexTime(since))))

	pages := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(CustomerIndex),
		KeyConditionExpression:    &keyCond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(min(limit, 1000))),
	})

	var out []callsession.Session
	for pages.HasMorePages() && len(out) < limit {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, unavailable(fmt.Errorf("query history of customer %s: %w", customerID, err))
		}
		for _, item := range page.Items {
			sess, err := decodeSession(item)
			if err != nil {
				return nil, fmt.Errorf("query history of customer %s: %w", customerID, err)
			}
			out = append(out, sess)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
