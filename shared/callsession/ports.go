package callsession

import (
	"context"
	"errors"
	"time"
)

// Clock returns the current time. Tests inject a clock they move by hand.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// Platform is a push platform, named as SNS names it.
type Platform string

// The push platforms.
const (
	PlatformAPNS        Platform = "APNS"
	PlatformAPNSSandbox Platform = "APNS_SANDBOX"
	PlatformGCM         Platform = "GCM"
)

// Valid reports whether p is one of the supported platforms.
func (p Platform) Valid() bool {
	return p == PlatformAPNS || p == PlatformAPNSSandbox || p == PlatformGCM
}

// Device is one of a customer's phones registered for push notifications.
type Device struct {
	CustomerID string
	DeviceID   string
	Platform   Platform
	// Token is the APNs or FCM device token. It is never logged.
	Token string
	// EndpointARN is the SNS platform endpoint for Token; in local mode a
	// made-up ARN of the same shape.
	EndpointARN string
	// Enabled turns false when the platform reports the token disabled or the
	// endpoint deleted. Such a device gets no push until the app registers it
	// again.
	Enabled   bool
	UpdatedAt time.Time
}

// Notification is the content of a push to the customer's phone. It
// carries no match code and no personal or account data.
type Notification struct {
	CallID    string
	AgentName string
	StartedAt time.Time
	AnswerBy  time.Time
	// TTL is the time to live of the message, equal to the answer window, so
	// a phone that was off does not show a stale prompt.
	TTL time.Duration
}

// FraudAlert is published to the fraud team when a session becomes denied.
type FraudAlert struct {
	CallID     string
	CustomerID string
	AgentID    string
	CallRef    string
	Reason     EndReason
	At         time.Time
}

// ErrEndpointDisabled is returned by [Pusher.Notify] when the platform
// endpoint is disabled or deleted: the device is then marked disabled.
var ErrEndpointDisabled = errors.New("push endpoint is disabled or deleted")

// Store keeps call sessions and devices. Every method that changes a session
// does so atomically, so that concurrent requests cannot overwrite each
// other. Errors are *Error values: CodeNotFound for unknown ids, CodeConflict
// for a lost race that retrying cannot resolve, CodeUnavailable when the
// backing service fails.
type Store interface {
	// StartSession reads the customer's state (including starts at or after
	// since), passes it to plan, and stores the plan atomically: the new
	// session, its call_ref, and the superseded session. It returns the plan
	// and the customer's devices. Errors from plan are returned unchanged.
	StartSession(ctx context.Context, req StartRequest, since time.Time, plan func(CustomerState) (StartPlan, error)) (StartPlan, []Device, error)

	// Session returns the session with a strongly consistent read.
	Session(ctx context.Context, callID string) (Session, error)

	// Answer applies [ApplyAnswer] atomically and stores the result when it
	// changed, also when ApplyAnswer returned CodeWrongMatchCode, whose
	// error it then returns with the stored result.
	Answer(ctx context.Context, req AnswerRequest, now time.Time, cfg Config) (AnswerResult, error)

	// Disclose records ds on the session if [CanDisclose] holds at now, in
	// the same atomic step that reads the session, filling in AgentID and
	// AgentName from the session. A field already recorded keeps its first
	// record, so the records stay bounded by the field policy however often
	// the gate is asked. Records are ordered by time, then by field. It
	// returns the session as read and whether the disclosure was allowed.
	Disclose(ctx context.Context, callID string, ds []Disclosure, now time.Time) (Session, bool, error)

	// RecordPush stores the push outcome of a session.
	RecordPush(ctx context.Context, callID string, o PushOutcome, at time.Time) error

	// History returns the customer's newest sessions started at or after
	// since, at most limit of them, newest first.
	History(ctx context.Context, customerID string, since time.Time, limit int) ([]Session, error)

	// Devices returns the customer's devices, enabled or not.
	Devices(ctx context.Context, customerID string) ([]Device, error)
	// PutDevice creates or replaces a device.
	PutDevice(ctx context.Context, d Device) error
	// DeleteDevice removes a device and returns it; CodeNotFound if absent.
	DeleteDevice(ctx context.Context, customerID, deviceID string) (Device, error)
	// DisableDevice marks d disabled if the stored device still has d's
	// token, and does nothing if a newer registration replaced it.
	// CodeNotFound if the device is absent.
	DisableDevice(ctx context.Context, d Device) error
}

// Pusher sends push notifications and fraud alerts: SNS in AWS, a recording
// outbox in local mode.
type Pusher interface {
	// Register creates or refreshes the platform endpoint for d's token and
	// returns the endpoint ARN.
	Register(ctx context.Context, d Device) (string, error)
	// Unregister deletes d's platform endpoint. A missing endpoint is not an
	// error.
	Unregister(ctx context.Context, d Device) error
	// Notify publishes n to d's endpoint. It returns an error wrapping
	// ErrEndpointDisabled when the endpoint is disabled or deleted.
	Notify(ctx context.Context, d Device, n Notification) error
	// AlertFraud publishes a to the fraud team's topic.
	AlertFraud(ctx context.Context, a FraudAlert) error
}
