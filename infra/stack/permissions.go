package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/metricnames"
)

// DynamoDB actions of each function on the table, checked against the
// calls of package dynamostore. DynamoDB authorizes TransactWriteItems by
// the actions of the items inside it (PutItem for a Put, UpdateItem for an
// Update, ConditionCheckItem for a ConditionCheck), so no transaction action
// appears here. Queries of the customer index are granted on the index ARN
// in grantPermissions.
var (
	// callstart reads the call reference and a replayed session (GetItem)
	// and the customer's partition (Query). Its transaction puts the
	// session, the call reference and the customer's metadata and updates a
	// superseded session, with no ConditionCheck item. It records the push
	// outcome and disables devices whose endpoint is gone (UpdateItem), and
	// GET /v1/calls/{call_id} reads a session (GetItem).
	callStartTableActions = []string{
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
	}
	// respond stores answers with conditional updates and reads a session
	// when an answer has no fast path. It queries only the customer index,
	// for the history.
	respondTableActions = []string{
		"dynamodb:GetItem",
		"dynamodb:UpdateItem",
	}
	// gate reads a session and records disclosed fields on it.
	gateTableActions = []string{
		"dynamodb:GetItem",
		"dynamodb:UpdateItem",
	}
	// devices writes a device item on registration and deletes it, with a
	// condition and the old item returned, on removal.
	devicesTableActions = []string{
		"dynamodb:DeleteItem",
		"dynamodb:PutItem",
	}
)

// SNS actions of the devices function on platform endpoints.
var devicesEndpointActions = []string{
	"sns:DeleteEndpoint",
	"sns:GetEndpointAttributes",
	"sns:SetEndpointAttributes",
}

// grantPermissions gives each function only the actions that it calls, on
// only its resources. The tests assert the resulting action lists. push
// must have at least one application, as Config.Validate ensures.
func grantPermissions(functions map[string]awslambda.Function, table awsdynamodb.Table, fraudTopic awssns.Topic, push PlatformApplications) {
	tableARN := *table.TableArn()
	indexARN := tableARN + "/index/" + dynamostore.CustomerIndex

	callstart := functions[metricnames.FunctionCallStart]
	callstart.AddToRolePolicy(allow(callStartTableActions, tableARN))
	// A call start reads the customer's newest session from the index, to
	// know whether it is still pending.
	callstart.AddToRolePolicy(allow([]string{"dynamodb:Query"}, indexARN))
	callstart.AddToRolePolicy(allow([]string{"sns:Publish"}, endpointPatterns(push)...))

	respond := functions[metricnames.FunctionRespond]
	respond.AddToRolePolicy(allow(respondTableActions, tableARN))
	// The history is a query of the customer's sessions on the index.
	respond.AddToRolePolicy(allow([]string{"dynamodb:Query"}, indexARN))
	// GrantPublish adds kms:Decrypt and kms:GenerateDataKey* on the topic's
	// key, which SNS needs to encrypt the message for the caller.
	fraudTopic.GrantPublish(respond)

	gate := functions[metricnames.FunctionGate]
	gate.AddToRolePolicy(allow(gateTableActions, tableARN))

	devices := functions[metricnames.FunctionDevices]
	devices.AddToRolePolicy(allow(devicesTableActions, tableARN))
	var appARNs []string
	for _, a := range push.Configured() {
		appARNs = append(appARNs, string(a))
	}
	devices.AddToRolePolicy(allow([]string{"sns:CreatePlatformEndpoint"}, appARNs...))
	devices.AddToRolePolicy(allow(devicesEndpointActions, endpointPatterns(push)...))
}

// endpointPatterns returns the ARN patterns of the endpoints of every
// configured platform application.
func endpointPatterns(push PlatformApplications) []string {
	var out []string
	for _, a := range push.Configured() {
		out = append(out, a.EndpointARNPattern())
	}
	return out
}

// allow returns a statement that allows actions on resources.
func allow(actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	})
}
