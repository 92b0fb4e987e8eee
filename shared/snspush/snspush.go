// Package snspush is the push channel in AWS: a [callsession.Pusher] that
// keeps one SNS platform endpoint per device token, publishes the
// notifications that package pushpayload builds, and publishes fraud alerts
// to an SNS topic.
package snspush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
)

var _ callsession.Pusher = (*Pusher)(nil)

// DefaultMaxAttempts is the number of attempts per SNS call, the first
// included, unless Config.MaxAttempts sets another number. The SDK's standard
// retryer retries throttling, 5xx and connection errors with exponential
// backoff and stops after this many attempts.
const DefaultMaxAttempts = 3

// dependency names SNS in caller-safe errors.
const dependency = "push service"

// Config configures a Pusher.
type Config struct {
	// PlatformApplicationARNs maps each platform that devices may register
	// with to its SNS platform application, such as
	// arn:aws:sns:eu-west-2:123456789012:app/APNS/yourang.
	PlatformApplicationARNs map[callsession.Platform]string
	// FraudTopicARN is the SNS topic of fraud alerts.
	FraudTopicARN string
	// MaxAttempts bounds the attempts per SNS call, from 1 to 10. Zero means
	// DefaultMaxAttempts.
	MaxAttempts int
}

// Validate returns an error naming the first invalid setting. Each function
// needs only part of the configuration: callstart and devices the platform
// applications, respond the fraud topic. So every setting is optional, but
// at least one must be set, and each that is set must be well formed. A
// call that needs a missing setting fails with an error that names it.
func (c Config) Validate() error {
	if len(c.PlatformApplicationARNs) == 0 && c.FraudTopicARN == "" {
		return fmt.Errorf("no platform application ARN and no fraud topic ARN is set: set those the function uses")
	}
	for p, appARN := range c.PlatformApplicationARNs {
		if err := validateApplicationARN(p, appARN); err != nil {
			return err
		}
	}
	if c.FraudTopicARN != "" {
		if err := validateTopicARN(c.FraudTopicARN); err != nil {
			return err
		}
	}
	if c.MaxAttempts < 0 || c.MaxAttempts > 10 {
		return fmt.Errorf("max attempts %d is out of range: set it between 1 and 10, or 0 for %d", c.MaxAttempts, DefaultMaxAttempts)
	}
	return nil
}

// validateApplicationARN checks that s is the ARN of an SNS platform
// application of platform p: arn:<partition>:sns:<region>:<account>:app/<p>/<name>.
func validateApplicationARN(p callsession.Platform, s string) error {
	if !p.Valid() {
		return fmt.Errorf("platform %q is not valid: use APNS, APNS_SANDBOX or GCM", p)
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sns" || a.Region == "" || a.AccountID == "" {
		return fmt.Errorf("platform application ARN %q for %s is invalid: use arn:aws:sns:<region>:<account>:app/%s/<name>", s, p, p)
	}
	parts := strings.Split(a.Resource, "/")
	if len(parts) != 3 || parts[0] != "app" || parts[2] == "" {
		return fmt.Errorf("platform application ARN %q for %s is invalid: use arn:aws:sns:<region>:<account>:app/%s/<name>", s, p, p)
	}
	if parts[1] != string(p) {
		return fmt.Errorf("platform application ARN %q is for platform %s, not %s: map each platform to its own application", s, parts[1], p)
	}
	return nil
}

func validateTopicARN(s string) error {
	if s == "" {
		return fmt.Errorf("fraud topic ARN is missing: set the ARN of the SNS topic for fraud alerts")
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sns" || a.Region == "" || a.AccountID == "" || a.Resource == "" || strings.Contains(a.Resource, "/") {
		return fmt.Errorf("fraud topic ARN %q is invalid: use arn:aws:sns:<region>:<account>:<topic name>", s)
	}
	return nil
}

// Pusher publishes through SNS. It is safe for concurrent use.
type Pusher struct {
	client      *sns.Client
	apps        map[callsession.Platform]string
	topicARN    string
	maxAttempts int
}

// New returns a Pusher that calls SNS through client, a client the caller
// built with its region, credentials and retryer. Every call made by the
// Pusher overrides the client's maximum attempts with cfg.MaxAttempts, so
// throttling is retried a bounded number of times whatever the client's
// settings.
func New(client *sns.Client, cfg Config) (*Pusher, error) {
	if client == nil {
		return nil, errors.New("SNS client is nil: pass a client built from the AWS config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	apps := make(map[callsession.Platform]string, len(cfg.PlatformApplicationARNs))
	for p, a := range cfg.PlatformApplicationARNs {
		apps[p] = a
	}
	maxAttempts := cfg.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
	}
	return &Pusher{client: client, apps: apps, topicARN: cfg.FraudTopicARN, maxAttempts: maxAttempts}, nil
}

// bounded is the per-call option that caps the retryer's attempts.
func (p *Pusher) bounded(o *sns.Options) { o.RetryMaxAttempts = p.maxAttempts }

// Notify publishes n to d's platform endpoint. It returns an error wrapping
// callsession.ErrEndpointDisabled when SNS reports the endpoint disabled or
// not found, or when d has no endpoint ARN, and a CodeUnavailable error when
// SNS fails otherwise.
func (p *Pusher) Notify(ctx context.Context, d callsession.Device, n callsession.Notification) error {
	if d.EndpointARN == "" {
		return fmt.Errorf("device %q has no push endpoint, register it again: %w", d.DeviceID, callsession.ErrEndpointDisabled)
	}
	msg, err := pushpayload.Notification(d.Platform, n)
	if err != nil {
		return fmt.Errorf("build push for call %s: %w", n.CallID, err)
	}

	_, err = p.client.Publish(ctx, &sns.PublishInput{
		TargetArn:         aws.String(d.EndpointARN),
		MessageStructure:  aws.String(msg.MessageStructure),
		Message:           aws.String(msg.Message),
		MessageAttributes: messageAttributes(msg.Attributes),
	}, p.bounded)
	if err == nil {
		return nil
	}

	var disabled *types.EndpointDisabledException
	var gone *types.NotFoundException
	if errors.As(err, &disabled) || errors.As(err, &gone) {
		return fmt.Errorf("publish to endpoint %s: %w: %w", d.EndpointARN, callsession.ErrEndpointDisabled, err)
	}
	return callsession.Unavailable(dependency, fmt.Errorf("publish to endpoint %s: %w", d.EndpointARN, err))
}

// AlertFraud publishes a to the fraud topic. It returns a CodeUnavailable
// error when SNS fails.
func (p *Pusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error {
	if p.topicARN == "" {
		return fmt.Errorf("fraud alert for call %s not published: no fraud topic ARN is configured", a.CallID)
	}
	msg, err := pushpayload.FraudAlert(a)
	if err != nil {
		return fmt.Errorf("build fraud alert for call %s: %w", a.CallID, err)
	}

	in := &sns.PublishInput{
		TopicArn:          aws.String(p.topicARN),
		Message:           aws.String(msg.Message),
		MessageAttributes: messageAttributes(msg.Attributes),
	}
	if msg.Subject != "" {
		in.Subject = aws.String(msg.Subject)
	}
	if msg.MessageStructure != "" {
		in.MessageStructure = aws.String(msg.MessageStructure)
	}
	if _, err := p.client.Publish(ctx, in, p.bounded); err != nil {
		return callsession.Unavailable(dependency, fmt.Errorf("publish fraud alert for call %s: %w", a.CallID, err))
	}
	return nil
}

// Unregister deletes d's platform endpoint. A device without an endpoint
// ARN, or an endpoint that no longer exists, is not an error. It returns a
// CodeUnavailable error when SNS fails.
func (p *Pusher) Unregister(ctx context.Context, d callsession.Device) error {
	if d.EndpointARN == "" {
		return nil
	}

	// Another registration may have taken the endpoint over since d was
	// stored, for example the app reinstalled under a new device id. The
	// endpoint then names its new owner and must stay.
	attrs, err := p.endpointAttributes(ctx, d.EndpointARN, d)
	var gone *types.NotFoundException
	if errors.As(err, &gone) {
		return nil
	}
	if err != nil {
		return callsession.Unavailable(dependency, err)
	}
	if attrs["CustomUserData"] != customUserData(d) {
		return nil
	}

	_, err = p.client.DeleteEndpoint(ctx, &sns.DeleteEndpointInput{EndpointArn: aws.String(d.EndpointARN)}, p.bounded)
	if err == nil || errors.As(err, &gone) {
		return nil
	}
	return callsession.Unavailable(dependency, fmt.Errorf("delete endpoint %s: %w", d.EndpointARN, err))
}

func messageAttributes(attrs map[string]pushpayload.Attribute) map[string]types.MessageAttributeValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]types.MessageAttributeValue, len(attrs))
	for name, a := range attrs {
		out[name] = types.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: aws.String(a.StringValue)}
	}
	return out
}

// customUserData returns the endpoint's CustomUserData: the ids of the
// device's owner, so that an endpoint seen in the SNS console can be traced
// to a device. It holds no token or other secret.
func customUserData(d callsession.Device) string {
	b, _ := json.Marshal(struct {
		CustomerID string `json:"customer_id"`
		DeviceID   string `json:"device_id"`
	}{d.CustomerID, d.DeviceID}) // json.Marshal fails only on unsupported types, and these are strings
	return string(b)
}

// existingEndpointPattern finds the endpoint ARN in the InvalidParameter
// message that SNS returns when CreatePlatformEndpoint is called with a token
// that an endpoint already has, with other attributes: "Invalid parameter:
// Token Reason: Endpoint <ARN> already exists with the same Token, but
// different attributes."
var existingEndpointPattern = regexp.MustCompile(`Endpoint (arn:[^\s]+:endpoint/\S+) already exists with the same [Tt]oken`)
