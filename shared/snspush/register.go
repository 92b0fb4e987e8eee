package snspush

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/yourang/yourang/shared/callsession"
)

// Register creates or refreshes the platform endpoint of d's token and
// returns its ARN in three steps: create the endpoint (SNS returns the
// existing one for the same token and attributes), read its attributes, and
// set the token and Enabled=true when the endpoint has another token or was
// disabled. An endpoint that already has the token with other attributes,
// such as an app reinstalled under another device id, is taken over, and its
// CustomUserData is rewritten for d.
//
// NOTE: the previous owner's device record keeps the endpoint ARN. For the
// same customer that is harmless, because a call start pushes to each
// endpoint once and Unregister keeps an endpoint that names another owner.
// But when the phone was handed on to another customer, the previous
// owner's prompts still reach it until that record is removed.
//
// It returns a CodeInvalid error when d's platform has no application or SNS
// rejects the token, and a CodeUnavailable error when SNS fails. Errors never
// contain the token.
func (p *Pusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	appARN, ok := p.apps[d.Platform]
	if !ok {
		return "", callsession.Errorf(callsession.CodeInvalid, "push platform %q is not enabled on this service: use one of %s", d.Platform, p.platformList())
	}
	if d.Token == "" {
		return "", callsession.Errorf(callsession.CodeInvalid, "push token is missing: send the APNs or FCM device token")
	}

	endpointARN, err := p.createEndpoint(ctx, appARN, d)
	if err != nil {
		return "", err
	}
	attrs, err := p.endpointAttributes(ctx, endpointARN, d)
	var gone *types.NotFoundException
	if errors.As(err, &gone) {
		// The endpoint was deleted between the create and the read, so the
		// create is repeated once and makes a new endpoint.
		if endpointARN, err = p.createEndpoint(ctx, appARN, d); err != nil {
			return "", err
		}
		attrs, err = p.endpointAttributes(ctx, endpointARN, d)
	}
	if err != nil {
		return "", callsession.Unavailable(dependency, err)
	}

	if err := p.refreshEndpoint(ctx, endpointARN, attrs, d); err != nil {
		return "", err
	}
	return endpointARN, nil
}

// createEndpoint calls CreatePlatformEndpoint and returns the endpoint ARN,
// also when SNS rejects the call because another endpoint already has the
// token: that endpoint's ARN is taken from the error message.
func (p *Pusher) createEndpoint(ctx context.Context, appARN string, d callsession.Device) (string, error) {
	out, err := p.client.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{
		PlatformApplicationArn: aws.String(appARN),
		Token:                  aws.String(d.Token),
		CustomUserData:         aws.String(customUserData(d)),
	}, p.bounded)
	if err == nil {
		return aws.ToString(out.EndpointArn), nil
	}

	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		return "", callsession.Unavailable(dependency, redact(fmt.Errorf("create endpoint for device %q: %w", d.DeviceID, err), d.Token))
	}
	if m := existingEndpointPattern.FindStringSubmatch(invalid.ErrorMessage()); m != nil {
		return m[1], nil
	}
	return "", &callsession.Error{
		Code:    callsession.CodeInvalid,
		Message: "the push service rejected the device token: send the token the app got from APNs or FCM",
		Err:     redact(fmt.Errorf("create endpoint for device %q: %w", d.DeviceID, err), d.Token),
	}
}

// endpointAttributes reads the endpoint's attributes. Errors come back
// unwrapped, redacted of d's token.
func (p *Pusher) endpointAttributes(ctx context.Context, endpointARN string, d callsession.Device) (map[string]string, error) {
	out, err := p.client.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(endpointARN)}, p.bounded)
	if err != nil {
		return nil, redact(fmt.Errorf("get attributes of endpoint %s: %w", endpointARN, err), d.Token)
	}
	return out.Attributes, nil
}

// refreshEndpoint sets the token, Enabled=true and the CustomUserData of d
// on the endpoint when any of them differs from attrs.
func (p *Pusher) refreshEndpoint(ctx context.Context, endpointARN string, attrs map[string]string, d callsession.Device) error {
	want := map[string]string{
		"Token":          d.Token,
		"Enabled":        "true",
		"CustomUserData": customUserData(d),
	}
	stale := false
	for k, v := range want {
		if attrs[k] != v {
			stale = true
		}
	}
	if !stale {
		return nil
	}

	_, err := p.client.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{
		EndpointArn: aws.String(endpointARN),
		Attributes:  want,
	}, p.bounded)
	if err != nil {
		return callsession.Unavailable(dependency, redact(fmt.Errorf("set attributes of endpoint %s: %w", endpointARN, err), d.Token))
	}
	return nil
}

func (p *Pusher) platformList() string {
	var names []string
	for _, pl := range []callsession.Platform{callsession.PlatformAPNS, callsession.PlatformAPNSSandbox, callsession.PlatformGCM} {
		if _, ok := p.apps[pl]; ok {
			names = append(names, string(pl))
		}
	}
	return strings.Join(names, ", ")
}

// redactedError is an error whose message has a secret replaced, for errors
// from SNS that might quote the device token. Unwrap still returns the
// original error, so errors.As finds the SNS error types.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.secret, "[token]")
}

func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	return &redactedError{err: err, secret: secret}
}
