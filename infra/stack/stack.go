// Package stack defines the CloudFormation stack of You Rang? with the AWS
// CDK: the DynamoDB table, the four Lambda functions with one role each, the
// HTTP API with its IAM and JWT authorizers, the fraud alert and alarm
// topics, the alarms and the dashboard. The app in infra/ reads the
// configuration from CDK context values; tests build the stack with New.
package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures New.
type Props struct {
	awscdk.StackProps
	Config Config
	// AssetRoot is the directory that holds <function>/bootstrap for every
	// name in FunctionNames, built for lambdaarch.GOARCH.
	AssetRoot string
}

// Stack is the created stack with the resources that tests look at.
type Stack struct {
	awscdk.Stack
	Table      awsdynamodb.Table
	Functions  map[string]awslambda.Function // by name in FunctionNames
	API        awsapigatewayv2.HttpApi
	Stage      awsapigatewayv2.HttpStage
	FraudTopic awssns.Topic
	AlarmTopic awssns.Topic
	Alarms     []awscloudwatch.Alarm
	Dashboard  awscloudwatch.Dashboard
}

// New creates the stack id in scope. It returns an error, and creates
// nothing, when the configuration is invalid or a bootstrap binary is
// missing under props.AssetRoot.
func New(scope constructs.Construct, id string, props Props) (*Stack, error) {
	cfg := props.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkAssets(props.AssetRoot); err != nil {
		return nil, err
	}
	arch, err := lambdaArchitecture()
	if err != nil {
		return nil, err
	}

	s := &Stack{Stack: awscdk.NewStack(scope, jsii.String(id), &props.StackProps)}
	s.Table = newTable(s.Stack)
	s.FraudTopic, s.AlarmTopic = newTopics(s.Stack)
	if cfg.AlarmEmail != "" {
		s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}

	envs := functionEnvironments(cfg, *s.Table.TableName(), *s.FraudTopic.TopicArn())
	s.Functions = make(map[string]awslambda.Function, len(FunctionNames))
	for _, name := range FunctionNames {
		s.Functions[name] = newFunction(s.Stack, name, props.AssetRoot, arch, envs[name])
	}
	grantPermissions(s.Functions, s.Table, s.FraudTopic, cfg.Push)

	s.API, s.Stage = newAPI(s.Stack, cfg, s.Functions)
	s.Alarms = newAlarms(s.Stack, s.AlarmTopic, s.Functions, s.API, s.Table)
	s.Dashboard = newDashboard(s.Stack, cfg, s.Alarms, s.Functions, s.API, s.Table)

	output := func(id, description string, value *string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{
			Description: jsii.String(description),
			Value:       value,
		})
	}
	output("ApiUrl", "Base URL of the HTTP API", s.Stage.Url())
	output("TableName", "Name of the DynamoDB table", s.Table.TableName())
	output("FraudTopicArn", "SNS topic of fraud alerts: subscribe the fraud team to it", s.FraudTopic.TopicArn())
	output("AlarmTopicArn", "SNS topic of alarms: subscribe the on-call team to it", s.AlarmTopic.TopicArn())
	output("DashboardName", "Name of the CloudWatch dashboard", s.Dashboard.DashboardName())
	return s, nil
}
