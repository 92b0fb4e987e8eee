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

// DynamoDB actions of each function, on the table and, where named, its
// customer index. DynamoDB authorizes TransactWriteItems by the actions of
// the items inside it (PutItem, UpdateItem, ConditionCheckItem), so no
// transaction action appears here.
var (
	// callstart reads the customer's state and devices, writes the session,
	// the call reference and the customer's metadata in one transaction,
	// records the push outcome and disables devices whose endpoint is gone.
	// Its query of the customer index is granted in a statement of its own.
	callStartTableActions = []string{
		"dynamodb:ConditionCheckItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
	}
	// respond reads and updates sessions and lists the customer's history
	// through the customer index.
	respondTableActions = []string{
		"dynamodb:GetItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
	}
	// gate reads a session and records disclosed fields on it.
	gateTableActions = []string{
		"dynamodb:GetItem",
		"dynamodb:UpdateItem",
	}
	// devices stores, refreshes, lists and removes device items.
	devicesTableActions = []string{
		"dynamodb:DeleteItem",
		"dynamodb:GetItem",
		"dynamodb:PutItem",
		"dynamodb:Query",
		"dynamodb:UpdateItem",
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
	respond.AddToRolePolicy(allow(respondTableActions, tableARN, indexARN))
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
