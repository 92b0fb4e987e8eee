package snstest_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/yourang/yourang/shared/snstest"
)

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestStartRejectsNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "localhost"} {
		if s, err := snstest.Start(addr); err == nil {
			_ = s.Close()
			t.Errorf("Start(%q) returned no error, want one", addr)
		}
	}
}

func TestStartServesOnLoopback(t *testing.T) {
	s, err := snstest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:<port>", s.URL)
	}
	_, err = s.NewClient().DeleteEndpoint(context.Background(), &sns.DeleteEndpointInput{EndpointArn: aws.String("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/yourang/x")})
	if err != nil {
		t.Errorf("DeleteEndpoint: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	if _, err := http.Get(s.URL); err == nil {
		t.Errorf("server still answers after Close")
	}
}

func TestUnsignedRequestIsRejected(t *testing.T) {
	s := snstest.New(t)
	form := url.Values{"Action": {"DeleteEndpoint"}, "Version": {snstest.APIVersion}, "EndpointArn": {"arn:x"}}
	resp, err := http.PostForm(s.URL, form)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}

	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Error   struct {
			Type    string
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("error body is not an ErrorResponse document: %v\n%s", err, body)
	}
	if doc.Error.Code != "MissingAuthenticationToken" || doc.Error.Type != "Sender" || doc.RequestID == "" {
		t.Errorf("error = %+v, want a Sender MissingAuthenticationToken with a request id", doc)
	}
}

func TestUnknownActionIsRejected(t *testing.T) {
	s := snstest.New(t)
	_, err := s.NewClient().CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String("t")})
	if got := errorCode(err); got != "InvalidAction" {
		t.Errorf("error code = %q, want InvalidAction (err %v)", got, err)
	}
}

func TestCreatePlatformEndpoint(t *testing.T) {
	s := snstest.New(t)
	c := s.NewClient()
	ctx := context.Background()
	in := &sns.CreatePlatformEndpointInput{
		PlatformApplicationArn: aws.String(s.ApplicationARN("APNS")),
		Token:                  aws.String("token-1"),
		CustomUserData:         aws.String("owner-1"),
		Attributes:             map[string]string{"Enabled": "true"},
	}

	first, err := c.CreatePlatformEndpoint(ctx, in)
	if err != nil {
		t.Fatalf("CreatePlatformEndpoint: %v", err)
	}
	arn := aws.ToString(first.EndpointArn)
	if !strings.HasPrefix(arn, "arn:aws:sns:us-east-1:123456789012:endpoint/APNS/yourang/") {
		t.Errorf("ARN = %q, want an APNS endpoint of the yourang application", arn)
	}
	r := s.RequestsFor("CreatePlatformEndpoint")[0]
	if r.Attributes["Enabled"] != "true" || r.Param("CustomUserData") != "owner-1" || r.Param("Token") != "token-1" {
		t.Errorf("recorded request = %+v, want the decoded attributes and parameters", r)
	}

	again, err := c.CreatePlatformEndpoint(ctx, in)
	if err != nil {
		t.Fatalf("CreatePlatformEndpoint with the same attributes: %v", err)
	}
	if aws.ToString(again.EndpointArn) != arn {
		t.Errorf("second ARN = %q, want %q", aws.ToString(again.EndpointArn), arn)
	}

	in.CustomUserData = aws.String("owner-2")
	_, err = c.CreatePlatformEndpoint(ctx, in)
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("err = %v, want InvalidParameterException", err)
	}
	want := "Endpoint " + arn + " already exists with the same Token, but different attributes."
	if !strings.Contains(invalid.ErrorMessage(), want) {
		t.Errorf("message = %q, want it to contain %q", invalid.ErrorMessage(), want)
	}
}

func TestRequiredParameters(t *testing.T) {
	s := snstest.New(t)
	c := s.NewClient()
	ctx := context.Background()
	endpoint := s.CreateEndpoint("GCM", "token-1", "", true)

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"create without token", func() error {
			_, err := c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(s.ApplicationARN("GCM")), Token: aws.String("")})
			return err
		}, "InvalidParameter"},
		{"create in unknown application", func() error {
			_, err := c.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String("arn:aws:sns:us-east-1:123456789012:app/GCM/other"), Token: aws.String("t")})
			return err
		}, "NotFound"},
		{"get unknown endpoint", func() error {
			_, err := c.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(endpoint + "x")})
			return err
		}, "NotFound"},
		{"set unknown attribute", func() error {
			_, err := c.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: aws.String(endpoint), Attributes: map[string]string{"Colour": "red"}})
			return err
		}, "InvalidParameter"},
		{"set without attributes", func() error {
			_, err := c.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: aws.String(endpoint), Attributes: map[string]string{}})
			return err
		}, "InvalidParameter"},
		{"publish without target", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String("hello")})
			return err
		}, "InvalidParameter"},
		{"publish with two targets", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String("hello"), TargetArn: aws.String(endpoint), TopicArn: aws.String(s.TopicARN())})
			return err
		}, "InvalidParameter"},
		{"publish empty message", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String(""), TargetArn: aws.String(endpoint)})
			return err
		}, "InvalidParameter"},
		{"publish json without default", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String(`{"GCM":"{}"}`), MessageStructure: aws.String("json"), TargetArn: aws.String(endpoint)})
			return err
		}, "InvalidParameter"},
		{"publish json that does not parse", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String(`{"default":`), MessageStructure: aws.String("json"), TargetArn: aws.String(endpoint)})
			return err
		}, "InvalidParameter"},
		{"publish platform entry that is not JSON", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String(`{"default":"x","GCM":"not json"}`), MessageStructure: aws.String("json"), TargetArn: aws.String(endpoint)})
			return err
		}, "InvalidParameter"},
		{"publish attribute without value", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String("x"), TargetArn: aws.String(endpoint),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String")}}})
			return err
		}, "InvalidParameter"},
		{"publish attribute with a bad number", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String("x"), TargetArn: aws.String(endpoint),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}})
			return err
		}, "InvalidParameter"},
		{"publish to unknown topic", func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{Message: aws.String("x"), TopicArn: aws.String(s.TopicARN() + "x")})
			return err
		}, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorCode(tt.call()); got != tt.want {
				t.Errorf("error code = %q, want %q", got, tt.want)
			}
		})
	}
	if n := len(s.Published()); n != 0 {
		t.Errorf("accepted publishes = %d, want 0", n)
	}
}

func TestPublishAPNSPayloadLimit(t *testing.T) {
	s := snstest.New(t)
	endpoint := s.CreateEndpoint("APNS", "token-1", "", true)
	big := `{\"aps\":{\"alert\":\"` + strings.Repeat("a", 4100) + `\"}}`
	_, err := s.NewClient().Publish(context.Background(), &sns.PublishInput{
		TargetArn:        aws.String(endpoint),
		MessageStructure: aws.String("json"),
		Message:          aws.String(`{"default":"x","APNS":"` + big + `"}`),
	})
	if got := errorCode(err); got != "InvalidParameter" {
		t.Errorf("error code = %q, want InvalidParameter (err %v)", got, err)
	}
}

func TestPublishRecordsDecodedAttributes(t *testing.T) {
	s := snstest.New(t)
	endpoint := s.CreateEndpoint("GCM", "token-1", "", true)
	_, err := s.NewClient().Publish(context.Background(), &sns.PublishInput{
		TargetArn: aws.String(endpoint),
		Message:   aws.String("plain text"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"AWS.SNS.MOBILE.FCM.TTL": {DataType: aws.String("String"), StringValue: aws.String("600")},
			"count":                  {DataType: aws.String("Number"), StringValue: aws.String("3")},
		},
	})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}

	r := s.RequestsFor("Publish")[0]
	if got := r.MessageAttributes["AWS.SNS.MOBILE.FCM.TTL"]; got.DataType != "String" || got.StringValue != "600" {
		t.Errorf("TTL attribute = %+v, want String 600", got)
	}
	if got := r.MessageAttributes["count"]; got.DataType != "Number" || got.StringValue != "3" {
		t.Errorf("count attribute = %+v, want Number 3", got)
	}
	m := s.Published()[0]
	if m.Payload != "plain text" || m.Platform != "GCM" || m.MessageID == "" {
		t.Errorf("published = %+v, want the plain text for GCM with a message id", m)
	}
}

func TestEndpointFaults(t *testing.T) {
	s := snstest.New(t)
	c := s.NewClient()
	ctx := context.Background()
	publish := func(arn string) error {
		_, err := c.Publish(ctx, &sns.PublishInput{TargetArn: aws.String(arn), Message: aws.String("x")})
		return err
	}

	disabled := s.CreateEndpoint("APNS", "token-1", "", true)
	s.DisableEndpoint(disabled)
	var endpointDisabled *types.EndpointDisabledException
	if err := publish(disabled); !errors.As(err, &endpointDisabled) {
		t.Errorf("publish to a disabled endpoint: err = %v, want EndpointDisabledException", err)
	}

	deleted := s.CreateEndpoint("APNS", "token-2", "", true)
	s.DeleteEndpoint(deleted)
	var notFound *types.NotFoundException
	if err := publish(deleted); !errors.As(err, &notFound) {
		t.Errorf("publish to a deleted endpoint: err = %v, want NotFoundException", err)
	}
}

func TestInjectedFaults(t *testing.T) {
	s := snstest.New(t)
	c := s.NewClient(func(o *sns.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	endpoint := s.CreateEndpoint("GCM", "token-1", "", true)
	get := func() error {
		_, err := c.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(endpoint)})
		return err
	}

	s.InjectFaults(
		snstest.Fault{Action: "Publish", Code: "Throttling"},
		snstest.Fault{Code: "InternalError"},
	)
	if got := errorCode(get()); got != "InternalError" {
		t.Errorf("first call: error code = %q, want InternalError (the Publish fault is skipped)", got)
	}
	if err := get(); err != nil {
		t.Errorf("second call: %v, want success", err)
	}

	s.FailAll(snstest.Fault{Action: "GetEndpointAttributes", Code: "Throttling"})
	for i := range 3 {
		if got := errorCode(get()); got != "Throttling" {
			t.Errorf("call %d under FailAll: error code = %q, want Throttling", i+1, got)
		}
	}
	reqs := s.RequestsFor("GetEndpointAttributes")
	if last := reqs[len(reqs)-1]; last.Status != http.StatusBadRequest || last.ErrorCode != "Throttling" {
		t.Errorf("recorded answer = %d %q, want 400 Throttling", last.Status, last.ErrorCode)
	}

	s.ClearFaults()
	if err := get(); err != nil {
		t.Errorf("call after ClearFaults: %v", err)
	}
}

func TestSetEndpointAttributes(t *testing.T) {
	s := snstest.New(t)
	c := s.NewClient()
	ctx := context.Background()
	endpoint := s.CreateEndpoint("GCM", "token-1", "owner", false)

	_, err := c.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{
		EndpointArn: aws.String(endpoint),
		Attributes:  map[string]string{"Token": "token-2", "Enabled": "true"},
	})
	if err != nil {
		t.Fatalf("SetEndpointAttributes: %v", err)
	}
	out, err := c.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: aws.String(endpoint)})
	if err != nil {
		t.Fatalf("GetEndpointAttributes: %v", err)
	}
	want := map[string]string{"Token": "token-2", "Enabled": "true", "CustomUserData": "owner"}
	for k, v := range want {
		if out.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, out.Attributes[k], v)
		}
	}
}
