// Package lambdaapp wires one Lambda function of the service. It reads and
// validates the function's configuration and builds the DynamoDB store and
// the SNS pusher from an AWS config that the main package loaded. Its
// handler serves the function's route group through the API Gateway HTTP
// API adapter.
package lambdaapp

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/yourang/yourang/shared/apigwauth"
	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/emf"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/metricnames"
	"github.com/yourang/yourang/shared/settings"
	"github.com/yourang/yourang/shared/snspush"
)

// The environment variables of the Lambda functions, beside those of package
// settings.
const (
	EnvTableName          = "YOURANG_TABLE_NAME"
	EnvFraudTopicARN      = "YOURANG_FRAUD_TOPIC_ARN"
	EnvAPNSApplicationARN = "YOURANG_APNS_APPLICATION_ARN"
	EnvAPNSSandboxAppARN  = "YOURANG_APNS_SANDBOX_APPLICATION_ARN"
	EnvGCMApplicationARN  = "YOURANG_GCM_APPLICATION_ARN"
	EnvDynamoDBEndpoint   = "YOURANG_DYNAMODB_ENDPOINT" // tests only: DynamoDB Local's URL
	EnvSNSEndpoint        = "YOURANG_SNS_ENDPOINT"      // tests only: the SNS test server's URL
	EnvMetricsNamespace   = "YOURANG_METRICS_NAMESPACE" // CloudWatch namespace of the EMF metrics
)

// Handler serves API Gateway HTTP API (payload format 2.0) events.
type Handler struct {
	adapter *httpadapter.HandlerAdapterV2
	log     *slog.Logger
}

// New builds the handler of the function that serves group.
func New(awsCfg aws.Config, group httpapi.Group, lookup settings.Lookup, log *slog.Logger) (*Handler, error) {
	sessionCfg, err := settings.SessionConfig(lookup)
	if err != nil {
		return nil, err
	}
	policy, err := settings.FieldPolicy(lookup)
	if err != nil {
		return nil, err
	}
	table, err := settings.Required(lookup, EnvTableName)
	if err != nil {
		return nil, err
	}

	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if ep := settings.Optional(lookup, EnvDynamoDBEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	namespace := settings.Optional(lookup, EnvMetricsNamespace)
	if namespace == "" {
		namespace = metricnames.DefaultNamespace
	}
	opts := []callsession.Option{
		callsession.WithPolicy(policy),
		callsession.WithLogger(log),
		// Lambda sends stdout to CloudWatch Logs, which extracts EMF lines.
		callsession.WithMetrics(emf.New(os.Stdout, namespace, string(group))),
	}

	if group != httpapi.GroupGate {
		pusher, err := newPusher(awsCfg, group, lookup)
		if err != nil {
			return nil, err
		}
		opts = append(opts, callsession.WithPusher(pusher))
	}

	svc := callsession.NewService(dynamostore.New(db, table), sessionCfg, opts...)
	api := httpapi.New(svc, apigwauth.Authenticator{}, httpapi.WithGroups(group), httpapi.WithLogger(log))
	return &Handler{adapter: httpadapter.NewV2(api), log: log}, nil
}

// newPusher builds the SNS pusher with the settings the group needs: the
// fraud topic for respond, the platform applications for callstart and
// devices.
func newPusher(awsCfg aws.Config, group httpapi.Group, lookup settings.Lookup) (*snspush.Pusher, error) {
	cfg := snspush.Config{
		PlatformApplicationARNs: map[callsession.Platform]string{},
		FraudTopicARN:           settings.Optional(lookup, EnvFraudTopicARN),
	}
	for platform, name := range map[callsession.Platform]string{
		callsession.PlatformAPNS:        EnvAPNSApplicationARN,
		callsession.PlatformAPNSSandbox: EnvAPNSSandboxAppARN,
		callsession.PlatformGCM:         EnvGCMApplicationARN,
	} {
		if arn := settings.Optional(lookup, name); arn != "" {
			cfg.PlatformApplicationARNs[platform] = arn
		}
	}

	switch group {
	case httpapi.GroupRespond:
		if cfg.FraudTopicARN == "" {
			return nil, fmt.Errorf("%s is not set: the respond function publishes fraud alerts to that topic", EnvFraudTopicARN)
		}
	case httpapi.GroupCallStart, httpapi.GroupDevices:
		if len(cfg.PlatformApplicationARNs) == 0 {
			return nil, fmt.Errorf("no platform application is configured: set at least one of %s, %s, %s",
				EnvAPNSApplicationARN, EnvAPNSSandboxAppARN, EnvGCMApplicationARN)
		}
	}

	client := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if ep := settings.Optional(lookup, EnvSNSEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	return snspush.New(client, cfg)
}

// Handle serves one event. Events the adapter cannot turn into a request
// get a 400 problem here, because the adapter would return a Go error and
// API Gateway would answer 500: a body marked as base64 that does not
// decode, and a path that is not a valid URL path, such as "/v1/calls/100%"
// when API Gateway passes the path decoded.
func (h *Handler) Handle(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if event.IsBase64Encoded {
		if _, err := base64.StdEncoding.DecodeString(event.Body); err != nil {
			return badRequest("request body is marked base64 but is not valid base64: send it again"), nil
		}
	}
	if strings.ContainsAny(event.RawPath, "?#") {
		return badRequest("request path contains ? or # inside a path segment: use only the characters of ids in docs/api.md"), nil
	}

	resp, err := h.adapter.ProxyWithContext(ctx, event)
	if err != nil {
		h.log.WarnContext(ctx, "translate API Gateway event failed", "route_key", event.RouteKey, "err", err)
		return badRequest("request path or query is not valid: percent-encode it correctly"), nil
	}
	return resp, nil
}

func badRequest(detail string) events.APIGatewayV2HTTPResponse {
	status, body := httpapi.Problem(callsession.Errorf(callsession.CodeInvalid, "%s", detail))
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/problem+json"},
		Body:       string(body),
	}
}
