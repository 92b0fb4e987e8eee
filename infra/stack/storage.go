package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/shared/dynamostore"
)

// newTable creates the single table of sessions, call references, customer
// metadata and devices, with the key names that the store uses.
//
// Encryption uses the AWS managed key aws/dynamodb: CloudTrail logs its use,
// its key policy already lets DynamoDB use it on behalf of the roles that
// may access the table, and it has no monthly fee. A customer managed key
// would add control of the key policy and the option to revoke access by
// disabling the key. It costs 1 USD a month plus requests, and every role
// would need kms:Decrypt and kms:GenerateDataKey grants on it, so switch
// only when the bank's policy requires one.
func newTable(scope constructs.Construct) awsdynamodb.Table {
	stringKey := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}

	table := awsdynamodb.NewTable(scope, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        stringKey(dynamostore.PartitionKey),
		SortKey:             stringKey(dynamostore.SortKey),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(dynamostore.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption: awsdynamodb.TableEncryption_AWS_MANAGED,
		// The table is the audit trail of every call: neither a stack
		// deletion nor a stray console click may remove it.
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(dynamostore.CustomerIndex),
		PartitionKey:   stringKey(dynamostore.CustomerIndexPartitionKey),
		SortKey:        stringKey(dynamostore.CustomerIndexSortKey),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

// newTopics creates the fraud alert topic and the alarm topic, both
// encrypted with one customer managed key.
//
// The key is customer managed because CloudWatch alarms cannot publish to a
// topic encrypted with the AWS managed key alias/aws/sns: that key's policy
// cannot be changed to let cloudwatch.amazonaws.com use it. The fraud alerts
// carry customer and agent ids, so both topics are encrypted at rest.
func newTopics(scope constructs.Construct) (fraud, alarms awssns.Topic) {
	key := awskms.NewKey(scope, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the You Rang? fraud alert and alarm topics"),
		EnableKeyRotation: jsii.Bool(true),
		// SNS keeps no messages after delivery, so nothing needs the key
		// once the topics are gone.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		PendingWindow: awscdk.Duration_Days(jsii.Number(7)),
	})

	fraud = awssns.NewTopic(scope, jsii.String("FraudAlertTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("You Rang? fraud alerts"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	alarms = awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("You Rang? alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})

	// EnforceSSL gives each topic a policy of its own, which replaces the
	// default one, so CloudWatch needs an explicit grant to publish, and
	// the key's use for it. Both are limited to the alarms of this account
	// and region, so CloudWatch cannot act for another account's alarms.
	cloudWatch := []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)}
	fromOwnAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
		"ArnLike": map[string]any{"aws:SourceArn": awscdk.Fn_Sub(
			jsii.String("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"), nil)},
	}
	alarms.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &cloudWatch,
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*alarms.TopicArn()),
		Conditions: fromOwnAlarms,
	}))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToEncrypt"),
		Principals: &cloudWatch,
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		// In a key policy, "*" means this key.
		Resources:  jsii.Strings("*"),
		Conditions: fromOwnAlarms,
	}), nil)
	return fraud, alarms
}
