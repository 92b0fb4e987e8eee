// Package outbox is the push channel of the local mode: a
// [callsession.Pusher] that records, instead of sending, exactly what the SNS
// adapter would publish. The local server shows the records so a developer
// can see each notification and fraud alert without an AWS account.
package outbox

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
)

var _ callsession.Pusher = (*Outbox)(nil)

// DefaultMaxRecords is how many records an outbox keeps unless
// WithMaxRecords sets another limit. Beyond it the oldest records are dropped.
const DefaultMaxRecords = 1000

// The defaults that make up the ARNs of the local mode. The account id is a
// placeholder of twelve zeros.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	DefaultAppName   = "yourang-local"
	DefaultTopicName = "yourang-fraud-alerts"
)

// Outbox records push notifications and fraud alerts in memory. It is safe
// for concurrent use.
type Outbox struct {
	clock      callsession.Clock
	region     string
	accountID  string
	appName    string
	topicARN   string
	maxRecords int

	mu       sync.Mutex
	records  []Record            // oldest first; guarded by mu
	lastSeq  uint64              // sequence of the newest record; guarded by mu
	disabled map[string]struct{} // endpoint ARNs that reject pushes; guarded by mu
}

// Option configures an Outbox.
type Option func(*Outbox)

// WithClock sets the clock that timestamps records. The default is the
// system clock.
func WithClock(c callsession.Clock) Option { return func(o *Outbox) { o.clock = c } }

// WithRegion sets the AWS region in the made-up ARNs.
func WithRegion(region string) Option { return func(o *Outbox) { o.region = region } }

// WithAccountID sets the AWS account id in the made-up ARNs.
func WithAccountID(id string) Option { return func(o *Outbox) { o.accountID = id } }

// WithAppName sets the platform application name in endpoint ARNs.
func WithAppName(name string) Option { return func(o *Outbox) { o.appName = name } }

// WithFraudTopicARN sets the target ARN of fraud alerts. The default is a
// topic named DefaultTopicName in the outbox's region and account.
func WithFraudTopicARN(arn string) Option { return func(o *Outbox) { o.topicARN = arn } }

// WithMaxRecords sets how many records the outbox keeps. Values below 1 keep
// DefaultMaxRecords.
func WithMaxRecords(n int) Option {
	return func(o *Outbox) {
		if n > 0 {
			o.maxRecords = n
		}
	}
}

// New returns an empty outbox.
func New(opts ...Option) *Outbox {
	o := &Outbox{
		clock:      callsession.SystemClock{},
		region:     DefaultRegion,
		accountID:  DefaultAccountID,
		appName:    DefaultAppName,
		maxRecords: DefaultMaxRecords,
		disabled:   make(map[string]struct{}),
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.topicARN == "" {
		o.topicARN = fmt.Sprintf("arn:aws:sns:%s:%s:%s", o.region, o.accountID, DefaultTopicName)
	}
	return o
}

// Register returns the made-up endpoint ARN of d, in the shape SNS gives:
// arn:aws:sns:<region>:<account>:endpoint/<platform>/<app>/<id>. The id is
// derived from the customer and device ids, so registering the same device
// again returns the same ARN. Registering also enables a disabled endpoint,
// as the SNS adapter does. Nothing is recorded.
func (o *Outbox) Register(_ context.Context, d callsession.Device) (string, error) {
	if !d.Platform.Valid() {
		return "", callsession.Errorf(callsession.CodeInvalid, "platform %q is not valid: use APNS, APNS_SANDBOX or GCM", d.Platform)
	}
	arn := o.endpointARN(d)

	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.disabled, arn)
	return arn, nil
}

// endpointARN formats a name-based id from a SHA-256 of the customer and
// device ids as a UUID (8-4-4-4-12 hex digits), the shape of SNS endpoint ids.
func (o *Outbox) endpointARN(d callsession.Device) string {
	sum := sha256.Sum256([]byte(d.CustomerID + "\x00" + d.DeviceID))
	id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	return fmt.Sprintf("arn:aws:sns:%s:%s:endpoint/%s/%s/%s", o.region, o.accountID, d.Platform, o.appName, id)
}

// Unregister clears the disabled mark of d's endpoint. Nothing is recorded,
// because SNS publishes nothing when an endpoint is deleted.
func (o *Outbox) Unregister(_ context.Context, d callsession.Device) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.disabled, d.EndpointARN)
	return nil
}

// DisableEndpoint makes Notify fail for the endpoint with an error wrapping
// callsession.ErrEndpointDisabled, as SNS does when APNs or FCM reports the
// token invalid, until the device is registered again. The local mode uses it
// to try out the disabled-device path.
func (o *Outbox) DisableEndpoint(endpointARN string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.disabled[endpointARN] = struct{}{}
}

// Notify records the publish that the SNS adapter would send for n to d's
// endpoint. It returns an error wrapping callsession.ErrEndpointDisabled when
// d has no endpoint ARN or DisableEndpoint disabled it, and records nothing
// then.
func (o *Outbox) Notify(_ context.Context, d callsession.Device, n callsession.Notification) error {
	if d.EndpointARN == "" {
		return fmt.Errorf("device %q has no push endpoint, register it again: %w", d.DeviceID, callsession.ErrEndpointDisabled)
	}
	p, err := pushpayload.Notification(d.Platform, n)
	if err != nil {
		return fmt.Errorf("build push for call %s: %w", n.CallID, err)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	if _, off := o.disabled[d.EndpointARN]; off {
		return fmt.Errorf("endpoint of device %q is disabled: %w", d.DeviceID, callsession.ErrEndpointDisabled)
	}
	o.appendLocked(Record{
		Kind:       KindNotification,
		TargetARN:  d.EndpointARN,
		CustomerID: d.CustomerID,
		DeviceID:   d.DeviceID,
		Platform:   d.Platform,
		CallID:     n.CallID,
	}, p)
	return nil
}

// AlertFraud records the publish of a to the fraud topic.
func (o *Outbox) AlertFraud(_ context.Context, a callsession.FraudAlert) error {
	p, err := pushpayload.FraudAlert(a)
	if err != nil {
		return fmt.Errorf("build fraud alert for call %s: %w", a.CallID, err)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	o.appendLocked(Record{
		Kind:       KindFraudAlert,
		TargetARN:  o.topicARN,
		CustomerID: a.CustomerID,
		CallID:     a.CallID,
	}, p)
	return nil
}

// appendLocked completes r with p, a sequence number and the time, appends
// it and drops the oldest records beyond the limit. The caller holds o.mu.
func (o *Outbox) appendLocked(r Record, p pushpayload.Publish) {
	o.lastSeq++
	r.Seq = o.lastSeq
	r.Time = o.clock.Now().UTC()
	r.MessageStructure = p.MessageStructure
	r.Message = p.Message
	r.Subject = p.Subject
	r.Attributes = p.Attributes

	o.records = append(o.records, r)
	if over := len(o.records) - o.maxRecords; over > 0 {
		o.records = slices.Delete(o.records, 0, over)
	}
}

// Records returns the kept records of the customer, oldest first, or of
// every customer when customerID is empty.
func (o *Outbox) Records(customerID string) []Record {
	o.mu.Lock()
	defer o.mu.Unlock()

	var out []Record
	for _, r := range o.records {
		if customerID == "" || r.CustomerID == customerID {
			out = append(out, r.clone())
		}
	}
	return out
}

// RecordsAfter returns the kept records with a sequence number above seq,
// oldest first. A caller that polls passes the Seq of the last record it
// saw. Records dropped for the size limit are not returned, which shows as a
// gap in the sequence numbers.
func (o *Outbox) RecordsAfter(seq uint64) []Record {
	o.mu.Lock()
	defer o.mu.Unlock()

	// Sequence numbers rise by one per record, so the first record after seq
	// is found by binary search.
	i, _ := slices.BinarySearchFunc(o.records, seq+1, func(r Record, target uint64) int {
		switch {
		case r.Seq < target:
			return -1
		case r.Seq > target:
			return 1
		}
		return 0
	})
	out := make([]Record, 0, len(o.records)-i)
	for _, r := range o.records[i:] {
		out = append(out, r.clone())
	}
	return out
}

// LastSeq returns the sequence number of the newest record, or 0 when
// nothing was recorded yet.
func (o *Outbox) LastSeq() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lastSeq
}

// clone returns r with its own copy of the attributes, so callers cannot
// change the kept record.
func (r Record) clone() Record {
	r.Attributes = maps.Clone(r.Attributes)
	return r
}
