// Package pushpayload builds the SNS publish requests of You Rang?: the push
// notification for one device platform and the fraud alert for the fraud
// team's topic. The SNS adapter sends them and the local outbox records them,
// so both see exactly the same bytes.
package pushpayload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// MessageStructureJSON is the MessageStructure of a message that is a JSON
// object with one text per platform and a "default" text.
const MessageStructureJSON = "json"

// MaxPayloadBytes is the maximum size of one platform payload: the APNs limit
// of 4 KiB for a notification. FCM payloads are held to the same limit.
const MaxPayloadBytes = 4096

// The notification category and its two actions. The app registers the
// category with these action identifiers and titles, so the phone shows the
// two answers as buttons.
const (
	Category           = "YOURANG_CALL"
	ActionConfirm      = "YOURANG_CONFIRM"
	ActionConfirmTitle = "Yes, that's me"
	ActionDeny         = "YOURANG_DENY"
	ActionDenyTitle    = "No, this wasn't me"
)

// The lock screen text. It is the same for every customer and carries no
// personal or account data, because a locked phone shows it to anyone.
const (
	AlertTitle = "Is this you on the phone?"
	AlertBody  = "Someone is on the phone to customer services as you. Was it you?"
)

// The SNS message attributes that set how the platforms deliver a push. SNS
// documents them under "mobile push notifications": the TTL attributes take
// whole seconds, and the APNs ones set the apns-push-type and apns-priority
// headers.
const (
	AttributeAPNSTTL        = "AWS.SNS.MOBILE.APNS.TTL"
	AttributeAPNSSandboxTTL = "AWS.SNS.MOBILE.APNS_SANDBOX.TTL"
	AttributeFCMTTL         = "AWS.SNS.MOBILE.FCM.TTL"
	AttributeAPNSPushType   = "AWS.SNS.MOBILE.APNS.PUSH_TYPE"
	AttributeAPNSPriority   = "AWS.SNS.MOBILE.APNS.PRIORITY"
)

// Attribute is one SNS message attribute.
type Attribute struct {
	DataType    string `json:"data_type"`
	StringValue string `json:"string_value"`
}

// Publish is the content of one SNS Publish request, without its target.
type Publish struct {
	// MessageStructure is "json" for push notifications and empty for the
	// fraud alert, whose message is delivered as it is.
	MessageStructure string `json:"message_structure,omitempty"`
	Message          string `json:"message"`
	// Subject is the subject line of e-mail subscriptions. Pushes have none.
	Subject    string               `json:"subject,omitempty"`
	Attributes map[string]Attribute `json:"attributes,omitempty"`
}

// Notification builds the publish of n to an endpoint of platform p. The
// message has a "default" text and the key of p, whose value is the platform
// payload as a JSON string. The time to live is n.TTL in whole seconds, both
// in the message attributes and, for FCM, in the payload. The agent name is
// trimmed, on character boundaries, until the platform payload fits in
// MaxPayloadBytes.
//
// It returns an error for an unknown platform, a missing call id or a TTL
// under one second.
func Notification(p callsession.Platform, n callsession.Notification) (Publish, error) {
	if !p.Valid() {
		return Publish{}, fmt.Errorf("push platform %q is not supported: use APNS, APNS_SANDBOX or GCM", p)
	}
	if n.CallID == "" {
		return Publish{}, fmt.Errorf("notification has no call id")
	}
	ttl := int64(n.TTL / time.Second)
	if ttl < 1 {
		return Publish{}, fmt.Errorf("notification time to live %s is under 1s: set it to the answer window", n.TTL)
	}

	payload, err := fitPayload(p, n, ttl)
	if err != nil {
		return Publish{}, err
	}
	message, err := marshal(map[string]string{
		"default": AlertBody,
		string(p): payload,
	})
	if err != nil {
		return Publish{}, err
	}
	return Publish{
		MessageStructure: MessageStructureJSON,
		Message:          message,
		Attributes:       attributes(p, ttl),
	}, nil
}

// attributes returns the message attributes for platform p with a time to
// live of ttl seconds.
func attributes(p callsession.Platform, ttl int64) map[string]Attribute {
	seconds := Attribute{DataType: "String", StringValue: strconv.FormatInt(ttl, 10)}
	switch p {
	case callsession.PlatformGCM:
		return map[string]Attribute{AttributeFCMTTL: seconds}
	case callsession.PlatformAPNSSandbox:
		return apnsAttributes(AttributeAPNSSandboxTTL, seconds)
	default:
		return apnsAttributes(AttributeAPNSTTL, seconds)
	}
}

func apnsAttributes(ttlName string, ttl Attribute) map[string]Attribute {
	return map[string]Attribute{
		ttlName: ttl,
		// An alert that the customer must see and answer within the window:
		// priority 10 asks APNs to deliver it immediately.
		AttributeAPNSPushType: {DataType: "String", StringValue: "alert"},
		AttributeAPNSPriority: {DataType: "String", StringValue: "10"},
	}
}

// marshal encodes v as JSON without the HTML escaping of encoding/json, which
// would spend 6 bytes on each "<", ">" and "&" of an agent name.
func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode push payload: %w", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
