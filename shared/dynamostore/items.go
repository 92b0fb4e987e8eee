package dynamostore

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Key prefixes and fixed sort keys. docs/dynamodb.md describes the items.
const (
	sessionPrefix  = "CALL#"
	sessionSortKey = "SESSION"
	refPrefix      = "REF#"
	refSortKey     = "REF"
	customerPrefix = "CUS#"
	metaSortKey    = "META"
	devicePrefix   = "DEV#"
)

// Attribute names used in expressions. They must match the dynamodbav tags
// of the item types below.
const (
	attrCallID          = "call_id"
	attrCustomerID      = "customer_id"
	attrStatus          = "status"
	attrWrongCodes      = "wrong_codes"
	attrEnded           = "ended"
	attrSupersededBy    = "superseded_by"
	attrMethod          = "method"
	attrAnswerBy        = "answer_by"
	attrAnsweredAt      = "answered_at"
	attrAccessUntil     = "access_until"
	attrPushDevices     = "push_devices"
	attrPushSent        = "push_sent"
	attrPushFailed      = "push_failed"
	attrPushedAt        = "pushed_at"
	attrDisclosures     = "disclosures"
	attrMatchCode       = "match_code"
	attrVersion         = "version"
	attrDeviceEnabled   = "enabled"
	attrDeviceToken     = "token"
	attrDeviceUpdatedAt = "updated_at"
)

// sessionItem is a session: pk=CALL#<call id>, sk=SESSION, listed in
// CustomerIndex under gsi1pk=CUS#<customer id>. Times are Unix nanoseconds,
// 0 for the zero time.
type sessionItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	GSI1PK    string `dynamodbav:"gsi1pk"`
	GSI1SK    string `dynamodbav:"gsi1sk"`
	ExpiresAt int64  `dynamodbav:"expires_at"` // RetainUntil in Unix seconds, rounded up

	CallID       string `dynamodbav:"call_id"`
	CustomerID   string `dynamodbav:"customer_id"`
	CallRef      string `dynamodbav:"call_ref"`
	AgentID      string `dynamodbav:"agent_id"`
	AgentName    string `dynamodbav:"agent_name"`
	Status       string `dynamodbav:"status"`
	MatchCode    string `dynamodbav:"match_code"`
	WrongCodes   int    `dynamodbav:"wrong_codes"` // always present, so conditions can compare it
	Ended        string `dynamodbav:"ended,omitempty"`
	SupersededBy string `dynamodbav:"superseded_by,omitempty"`
	Method       string `dynamodbav:"method,omitempty"`

	StartedAt   int64 `dynamodbav:"started_at"`
	AnswerBy    int64 `dynamodbav:"answer_by"`
	AnsweredAt  int64 `dynamodbav:"answered_at,omitempty"`
	AccessUntil int64 `dynamodbav:"access_until,omitempty"`
	RetainUntil int64 `dynamodbav:"retain_until"`

	PushDevices int   `dynamodbav:"push_devices"`
	PushSent    int   `dynamodbav:"push_sent"`
	PushFailed  int   `dynamodbav:"push_failed"`
	PushedAt    int64 `dynamodbav:"pushed_at,omitempty"`

	// Disclosures maps each disclosed field to its first disclosure. The map
	// is always present, empty at first, because Disclose sets its entries
	// by path. Keying by field bounds the item's size by the field policy,
	// however often an agent tool asks the gate.
	Disclosures map[string]disclosureItem `dynamodbav:"disclosures"`
}

// disclosureItem is the first disclosure of one field. It leaves out the
// agent, who is the session's agent, because Disclose writes it without
// reading the session first.
type disclosureItem struct {
	Field     string `dynamodbav:"field"`
	Principal string `dynamodbav:"principal"`
	At        int64  `dynamodbav:"at"`
}

// refItem maps a call_ref to its session: pk=REF#<call_ref>, sk=REF.
type refItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	ExpiresAt  int64  `dynamodbav:"expires_at"`
	CallID     string `dynamodbav:"call_id"`
	CustomerID string `dynamodbav:"customer_id"`
}

// metaItem is a customer's call start state: pk=CUS#<customer id>, sk=META.
// Every call start replaces it on the condition that Version is unchanged,
// which serializes the starts of one customer.
type metaItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	ExpiresAt int64  `dynamodbav:"expires_at"` // that of the newest session
	Version   int64  `dynamodbav:"version"`
	// PendingCallID is the newest session, the only one that can still be
	// pending, and PendingAnswerBy is the end of its answer window.
	PendingCallID   string `dynamodbav:"pending_call_id,omitempty"`
	PendingAnswerBy int64  `dynamodbav:"pending_answer_by,omitempty"`
	// RecentStarts holds the start times, in Unix nanoseconds, of the
	// sessions inside the push budget period of the newest start.
	RecentStarts []int64 `dynamodbav:"recent_starts,omitempty"`
}

// deviceItem is a device: pk=CUS#<customer id>, sk=DEV#<device id>.
type deviceItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	CustomerID  string `dynamodbav:"customer_id"`
	DeviceID    string `dynamodbav:"device_id"`
	Platform    string `dynamodbav:"platform"`
	Token       string `dynamodbav:"token"`
	EndpointARN string `dynamodbav:"endpoint_arn"`
	Enabled     bool   `dynamodbav:"enabled"`
	UpdatedAt   int64  `dynamodbav:"updated_at"`
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: pk},
		SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

func sessionKey(callID string) map[string]types.AttributeValue {
	return key(sessionPrefix+callID, sessionSortKey)
}

func refKey(callRef string) map[string]types.AttributeValue {
	return key(refPrefix+callRef, refSortKey)
}

func metaKey(customerID string) map[string]types.AttributeValue {
	return key(customerPrefix+customerID, metaSortKey)
}

func deviceKey(customerID, deviceID string) map[string]types.AttributeValue {
	return key(customerPrefix+customerID, devicePrefix+deviceID)
}

// customerIndexSortKey orders sessions by start time, then call id. The
// time is zero-padded to 20 digits so that string order is time order.
func customerIndexSortKey(startedAt time.Time, callID string) string {
	return indexTime(startedAt) + "#" + callID
}

// indexTime formats t for comparison with customerIndexSortKey values.
// Times before 1970 map to the smallest value.
func indexTime(t time.Time) string {
	return fmt.Sprintf("%020d", max(nanos(t), 0))
}

// nanos returns t in Unix nanoseconds, and 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos; times come back in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// ttlSeconds returns t in Unix seconds, rounded up so that an item never
// expires before t.
func ttlSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func newSessionItem(s callsession.Session) sessionItem {
	it := sessionItem{
		PK:           sessionPrefix + s.CallID,
		SK:           sessionSortKey,
		GSI1PK:       customerPrefix + s.CustomerID,
		GSI1SK:       customerIndexSortKey(s.StartedAt, s.CallID),
		ExpiresAt:    ttlSeconds(s.RetainUntil),
		CallID:       s.CallID,
		CustomerID:   s.CustomerID,
		CallRef:      s.CallRef,
		AgentID:      s.Agent.ID,
		AgentName:    s.Agent.DisplayName,
		Status:       string(s.Status),
		MatchCode:    s.MatchCode,
		WrongCodes:   s.WrongCodes,
		Ended:        string(s.Ended),
		SupersededBy: s.SupersededBy,
		Method:       string(s.Method),
		StartedAt:    nanos(s.StartedAt),
		AnswerBy:     nanos(s.AnswerBy),
		AnsweredAt:   nanos(s.AnsweredAt),
		AccessUntil:  nanos(s.AccessUntil),
		RetainUntil:  nanos(s.RetainUntil),
		PushDevices:  s.Push.Devices,
		PushSent:     s.Push.Sent,
		PushFailed:   s.Push.Failed,
		PushedAt:     nanos(s.PushedAt),
	}
	it.Disclosures = map[string]disclosureItem{}
	for _, d := range s.Disclosures {
		if _, seen := it.Disclosures[d.Field]; !seen {
			it.Disclosures[d.Field] = newDisclosureItem(d)
		}
	}
	return it
}

func newDisclosureItem(d callsession.Disclosure) disclosureItem {
	return disclosureItem{Field: d.Field, Principal: d.Principal, At: nanos(d.At)}
}

func (it sessionItem) session() callsession.Session {
	s := callsession.Session{
		CallID:       it.CallID,
		CustomerID:   it.CustomerID,
		CallRef:      it.CallRef,
		Agent:        callsession.Agent{ID: it.AgentID, DisplayName: it.AgentName},
		Status:       callsession.Status(it.Status),
		MatchCode:    it.MatchCode,
		WrongCodes:   it.WrongCodes,
		Ended:        callsession.EndReason(it.Ended),
		SupersededBy: it.SupersededBy,
		Method:       callsession.Method(it.Method),
		StartedAt:    fromNanos(it.StartedAt),
		AnswerBy:     fromNanos(it.AnswerBy),
		AnsweredAt:   fromNanos(it.AnsweredAt),
		AccessUntil:  fromNanos(it.AccessUntil),
		RetainUntil:  fromNanos(it.RetainUntil),
		Push:         callsession.PushOutcome{Devices: it.PushDevices, Sent: it.PushSent, Failed: it.PushFailed},
		PushedAt:     fromNanos(it.PushedAt),
	}
	for _, d := range it.Disclosures {
		s.Disclosures = append(s.Disclosures, callsession.Disclosure{
			Field:     d.Field,
			AgentID:   it.AgentID,
			AgentName: it.AgentName,
			Principal: d.Principal,
			At:        fromNanos(d.At),
		})
	}
	// A map has no order; the history lists disclosures by time, then field.
	slices.SortFunc(s.Disclosures, func(a, b callsession.Disclosure) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Field, b.Field))
	})
	return s
}

func decodeSession(av map[string]types.AttributeValue) (callsession.Session, error) {
	var it sessionItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return callsession.Session{}, fmt.Errorf("decode session item: %w", err)
	}
	return it.session(), nil
}

func newDeviceItem(d callsession.Device) deviceItem {
	return deviceItem{
		PK:          customerPrefix + d.CustomerID,
		SK:          devicePrefix + d.DeviceID,
		CustomerID:  d.CustomerID,
		DeviceID:    d.DeviceID,
		Platform:    string(d.Platform),
		Token:       d.Token,
		EndpointARN: d.EndpointARN,
		Enabled:     d.Enabled,
		UpdatedAt:   nanos(d.UpdatedAt),
	}
}

func (it deviceItem) device() callsession.Device {
	return callsession.Device{
		CustomerID:  it.CustomerID,
		DeviceID:    it.DeviceID,
		Platform:    callsession.Platform(it.Platform),
		Token:       it.Token,
		EndpointARN: it.EndpointARN,
		Enabled:     it.Enabled,
		UpdatedAt:   fromNanos(it.UpdatedAt),
	}
}

func decodeDevice(av map[string]types.AttributeValue) (callsession.Device, error) {
	var it deviceItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return callsession.Device{}, fmt.Errorf("decode device item: %w", err)
	}
	return it.device(), nil
}

func encode(item any) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", item, err)
	}
	return av, nil
}

// number returns n as a Number attribute value.
func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// str returns s as a String attribute value.
func str(s string) types.AttributeValue {
	return &types.AttributeValueMemberS{Value: s}
}

// exprArgs collects the placeholders of one request's expressions.
// Every attribute name goes through a placeholder, because DynamoDB
// reserves common words such as "status" and "method".
type exprArgs struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

func newExprArgs() *exprArgs {
	return &exprArgs{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

// name returns the placeholder for attribute attr.
func (e *exprArgs) name(attr string) string {
	p := "#" + attr
	e.names[p] = attr
	return p
}

// value returns a new placeholder for v.
func (e *exprArgs) value(v types.AttributeValue) string {
	p := fmt.Sprintf(":v%d", len(e.values))
	e.values[p] = v
	return p
}

// Names returns the name placeholders, or nil when there are none, because
// DynamoDB rejects an empty map.
func (e *exprArgs) Names() map[string]string {
	if len(e.names) == 0 {
		return nil
	}
	return e.names
}

// Values returns the value placeholders, or nil when there are none.
func (e *exprArgs) Values() map[string]types.AttributeValue {
	if len(e.values) == 0 {
		return nil
	}
	return e.values
}
