package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Devices implements [callsession.Store] with a strongly consistent Query
// of the customer's DEV# items, ordered by device id.
func (s *Store) Devices(ctx context.Context, customerID string) ([]callsession.Device, error) {
	e := newExprArgs()
	keyCond := fmt.Sprintf("%s = %s AND begins_with(%s, %s)",
		e.name(PartitionKey), e.value(str(customerPrefix+customerID)),
		e.name(SortKey), e.value(str(devicePrefix)))

	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    &keyCond,
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable(fmt.Errorf("query devices of customer %s: %w", customerID, err))
	}
	return decodeDevices(items)
}

func decodeDevices(items []map[string]types.AttributeValue) ([]callsession.Device, error) {
	var out []callsession.Device
	for _, item := range items {
		d, err := decodeDevice(item)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// queryAll runs a Query and returns the items of all its pages.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	pages := dynamodb.NewQueryPaginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

// PutDevice implements [callsession.Store]. It writes without a condition
// because a registration replaces any earlier one of the same device id.
func (s *Store) PutDevice(ctx context.Context, d callsession.Device) error {
	item, err := encode(newDeviceItem(d))
	if err != nil {
		return fmt.Errorf("put device %s: %w", d.DeviceID, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
	if err != nil {
		return unavailable(fmt.Errorf("put device %s of customer %s: %w", d.DeviceID, d.CustomerID, err))
	}
	return nil
}

// DeleteDevice implements [callsession.Store].
func (s *Store) DeleteDevice(ctx context.Context, customerID, deviceID string) (callsession.Device, error) {
	e := newExprArgs()
	cond := fmt.Sprintf("attribute_exists(%s)", e.name(PartitionKey))
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &s.table,
		Key:                      deviceKey(customerID, deviceID),
		ConditionExpression:      &cond,
		ExpressionAttributeNames: e.Names(),
		ReturnValues:             types.ReturnValueAllOld,
	})
	if conditionFailed(err) {
		return callsession.Device{}, callsession.DeviceNotFound(deviceID)
	}
	if err != nil {
		return callsession.Device{}, unavailable(fmt.Errorf("delete device %s of customer %s: %w", deviceID, customerID, err))
	}
	return decodeDevice(out.Attributes)
}

// DisableDevice implements [callsession.Store]. The condition on the token
// keeps a registration that replaced the device meanwhile enabled.
func (s *Store) DisableDevice(ctx context.Context, d callsession.Device) error {
	e := newExprArgs()
	update := fmt.Sprintf("SET %s = %s", e.name(attrDeviceEnabled), e.value(&types.AttributeValueMemberBOOL{Value: false}))
	cond := fmt.Sprintf("attribute_exists(%s) AND %s = %s", e.name(PartitionKey), e.name(attrDeviceToken), e.value(str(d.Token)))
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 deviceKey(d.CustomerID, d.DeviceID),
		UpdateExpression:                    &update,
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if conditionFailed(err) {
		if oldItem(err) == nil {
			return callsession.DeviceNotFound(d.DeviceID)
		}
		return nil // a newer registration replaced the disabled token
	}
	if err != nil {
		return unavailable(fmt.Errorf("disable device %s of customer %s: %w", d.DeviceID, d.CustomerID, err))
	}
	return nil
}
