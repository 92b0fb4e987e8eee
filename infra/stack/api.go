package stack

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/shared/metricnames"
)

// Audience of a route: agent routes are signed with AWS IAM (SigV4) by the
// bank's agent tools, customer routes carry the customer's JWT.
type audience int

const (
	agentRoute audience = iota
	customerRoute
)

// Route is one route of the HTTP API and the function that serves it.
type Route struct {
	Method   awsapigatewayv2.HttpMethod
	Path     string
	Function string
	audience audience
}

// Customer reports whether the route takes a customer's JWT rather than an
// agent's IAM signature.
func (r Route) Customer() bool { return r.audience == customerRoute }

// Routes lists every route of the API.
//
// NOTE: POST /v1/calls/{call_id}/support-pin is part of the API design but
// has no function yet, so it is not deployed.
var Routes = []Route{
	{awsapigatewayv2.HttpMethod_POST, "/v1/calls", metricnames.FunctionCallStart, agentRoute},
	{awsapigatewayv2.HttpMethod_GET, "/v1/calls/{call_id}", metricnames.FunctionCallStart, agentRoute},
	{awsapigatewayv2.HttpMethod_POST, "/v1/calls/{call_id}/gate", metricnames.FunctionGate, agentRoute},
	{awsapigatewayv2.HttpMethod_POST, "/v1/calls/{call_id}/response", metricnames.FunctionRespond, customerRoute},
	{awsapigatewayv2.HttpMethod_GET, "/v1/me/calls", metricnames.FunctionRespond, customerRoute},
	{awsapigatewayv2.HttpMethod_PUT, "/v1/me/devices/{device_id}", metricnames.FunctionDevices, customerRoute},
	{awsapigatewayv2.HttpMethod_DELETE, "/v1/me/devices/{device_id}", metricnames.FunctionDevices, customerRoute},
}

// accessLogFormat is one JSON object per request. It names the caller (the
// agent's IAM ARN or the customer's sub claim) and never a header or body.
var accessLogFormat = map[string]string{
	"request_id":          "$context.requestId",
	"request_time":        "$context.requestTime",
	"source_ip":           "$context.identity.sourceIp",
	"method":              "$context.httpMethod",
	"route_key":           "$context.routeKey",
	"path":                "$context.path",
	"protocol":            "$context.protocol",
	"status":              "$context.status",
	"response_length":     "$context.responseLength",
	"response_latency_ms": "$context.responseLatency",
	"integration_status":  "$context.integrationStatus",
	"integration_ms":      "$context.integrationLatency",
	"integration_error":   "$context.integrationErrorMessage",
	"error":               "$context.error.message",
	"authorizer_error":    "$context.authorizer.error",
	"agent_arn":           "$context.identity.userArn",
	"customer_sub":        "$context.authorizer.claims.sub",
}

// newAPI creates the HTTP API with its routes, authorizers, throttling and
// access logs, and returns it with its $default stage.
func newAPI(scope constructs.Construct, cfg Config, functions map[string]awslambda.Function) (awsapigatewayv2.HttpApi, awsapigatewayv2.HttpStage) {
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("You Rang? call confirmation API"),
		// The stage below replaces the default one, which cannot take
		// throttling settings.
		CreateDefaultStage: jsii.Bool(false),
	})
	stage := awsapigatewayv2.NewHttpStage(scope, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.ThrottleRateLimit),
			BurstLimit: jsii.Number(cfg.ThrottleBurstLimit),
		},
	})
	enableAccessLogs(scope, stage)

	agents := awsapigatewayv2authorizers.NewHttpIamAuthorizer()
	customers := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("CustomerJwt"), jsii.String(cfg.JWTIssuer), &awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
		JwtAudience: jsii.Strings(cfg.JWTAudience...),
	})

	integrations := make(map[string]awsapigatewayv2integrations.HttpLambdaIntegration, len(functions))
	for _, name := range FunctionNames {
		integrations[name] = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(constructID(name)+"Integration"), functions[name], &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	}

	for _, r := range Routes {
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer = agents
		if r.Customer() {
			authorizer = customers
		}
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{r.Method},
			Integration: integrations[r.Function],
			Authorizer:  authorizer,
		})
	}
	return api, stage
}

// enableAccessLogs sends the stage's access logs as JSON to a new log group.
// It sets the CloudFormation property directly because HttpStageProps takes
// access log settings only as a jsii interface value.
func enableAccessLogs(scope constructs.Construct, stage awsapigatewayv2.HttpStage) {
	logGroup := awslogs.NewLogGroup(scope, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	// Encoding a map of strings cannot fail.
	format, _ := json.Marshal(accessLogFormat)
	cfnStage := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logGroup.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
}
