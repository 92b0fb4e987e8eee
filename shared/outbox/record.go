package outbox

import (
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
)

// Kind is the kind of a recorded publish.
type Kind string

// The kinds of records.
const (
	KindNotification Kind = "notification"
	KindFraudAlert   Kind = "fraud_alert"
)

// Record is one publish that the SNS adapter would have sent. Message,
// MessageStructure, Subject and Attributes are exactly the Publish
// parameters SNS would receive.
type Record struct {
	// Seq numbers the records of an outbox from 1, in the order they were
	// recorded.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`
	// TargetARN is the endpoint ARN of a notification or the topic ARN of a
	// fraud alert.
	TargetARN  string `json:"target_arn"`
	CustomerID string `json:"customer_id"`
	CallID     string `json:"call_id"`
	// DeviceID and Platform are empty for fraud alerts.
	DeviceID         string                           `json:"device_id,omitempty"`
	Platform         callsession.Platform             `json:"platform,omitempty"`
	MessageStructure string                           `json:"message_structure,omitempty"`
	Message          string                           `json:"message"`
	Subject          string                           `json:"subject,omitempty"`
	Attributes       map[string]pushpayload.Attribute `json:"message_attributes,omitempty"`
}
