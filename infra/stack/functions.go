package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/infra/lambdaarch"
	"github.com/yourang/yourang/shared/metricnames"
)

// Environment variable names that the functions read.
const (
	EnvTableName                 = "YOURANG_TABLE_NAME"
	EnvFraudTopicARN             = "YOURANG_FRAUD_TOPIC_ARN"
	EnvAPNSApplicationARN        = "YOURANG_APNS_APPLICATION_ARN"
	EnvAPNSSandboxApplicationARN = "YOURANG_APNS_SANDBOX_APPLICATION_ARN"
	EnvGCMApplicationARN         = "YOURANG_GCM_APPLICATION_ARN"
	EnvAnswerWindow              = "YOURANG_ANSWER_WINDOW"
	EnvAccessWindow              = "YOURANG_ACCESS_WINDOW"
	EnvRetention                 = "YOURANG_RETENTION"
	EnvMatchCodeDigits           = "YOURANG_MATCH_CODE_DIGITS"
	EnvPushBudget                = "YOURANG_PUSH_BUDGET"
	EnvMetricsNamespace          = "YOURANG_METRICS_NAMESPACE"
)

// FunctionNames lists the functions in the order they are created. Each name
// is also the directory of its bootstrap binary under the asset root and the
// value of the metrics dimension "Function".
var FunctionNames = []string{
	metricnames.FunctionCallStart,
	metricnames.FunctionRespond,
	metricnames.FunctionGate,
	metricnames.FunctionDevices,
}

// functionSpec is the sizing of one function.
//
// Memory: Lambda allocates CPU in proportion to memory. A Go handler needs
// far less than 128 MB of memory, so 256 MB is there for the CPU share, which
// speeds up TLS handshakes to DynamoDB and SNS and JSON encoding.
//
// Timeout: each covers the function's slowest request path, summed from the
// bounds in package callsession: DefaultStoreTimeout (3 s) for each store
// operation and pushTimeout (5 s) for each step that calls SNS. Each leaves
// at least 2 s of margin. All stay under API Gateway's 30-second integration
// limit, so a stuck request ends as a Lambda timeout, which the Errors alarm
// counts.
// NOTE: pushTimeout is unexported, so its 5 s is copied here and in
// TestFunctionTimeouts, and a change to it needs a change to both.
type functionSpec struct {
	description    string
	memoryMB       float64
	timeoutSeconds float64
}

var functionSpecs = map[string]functionSpec{
	// callstart: up to 11 s for a new session. StartSession takes up to 3 s.
	// Then the prompt goes to all of the customer's devices at once within
	// 5 s, a bound that also covers marking a device disabled when SNS
	// reports its endpoint gone. Recording the push outcome takes up to 3 s.
	metricnames.FunctionCallStart: {"Starts call sessions and pushes the confirmation prompt (POST /v1/calls, GET /v1/calls/{call_id})", 256, 15},
	// respond: up to 8 s. Storing the answer takes up to 3 s, then a denial
	// publishes the fraud alert within 5 s. Reading the history takes up to 3 s.
	metricnames.FunctionRespond: {"Records the customer's answer and lists their call history", 256, 10},
	// gate: up to 3 s, one store operation (a read, or an update that
	// records the disclosed fields). It is on the agent's screen path.
	metricnames.FunctionGate: {"Decides per field whether the agent may show it", 256, 5},
	// devices: up to 8 s. A registration creates, reads and updates the SNS
	// endpoint within one 5 s bound, then writes the device item in up to
	// 3 s. A removal deletes the item (3 s), then the endpoint (5 s).
	metricnames.FunctionDevices: {"Registers and removes customers' push devices", 256, 10},
}

// logRetention keeps function and access logs for 3 months, the default
// retention of call sessions. The logs carry call and customer ids, so they
// should not outlive the records that they describe. Within that time,
// fraud investigations can still match them to sessions.
const logRetention = awslogs.RetentionDays_THREE_MONTHS

// lambdaArchitecture returns the Lambda architecture that matches
// lambdaarch.GOARCH, the architecture the Makefile builds the binaries for.
func lambdaArchitecture() (awslambda.Architecture, error) {
	switch lambdaarch.GOARCH {
	case "arm64":
		return awslambda.Architecture_ARM_64(), nil
	case "amd64":
		return awslambda.Architecture_X86_64(), nil
	}
	return nil, fmt.Errorf("lambdaarch.GOARCH %q has no Lambda architecture: use arm64 or amd64", lambdaarch.GOARCH)
}

// checkAssets returns an error naming the first function whose bootstrap
// binary is missing under assetRoot.
func checkAssets(assetRoot string) error {
	for _, name := range FunctionNames {
		path := filepath.Join(assetRoot, name, "bootstrap")
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("bootstrap of function %s not found at %s: run `make build-lambda` first (%w)", name, path, err)
		}
		if info.IsDir() {
			return fmt.Errorf("bootstrap of function %s at %s is a directory, expected the binary", name, path)
		}
	}
	return nil
}

// newFunction creates the function name with its own role and log group.
// The role starts empty: it gets write access to the function's log group
// here and its data permissions from grantPermissions, and no managed policy
// (AWSLambdaBasicExecutionRole would allow writing to every log group).
func newFunction(scope constructs.Construct, name, assetRoot string, arch awslambda.Architecture, env map[string]string) awslambda.Function {
	spec := functionSpecs[name]
	id := constructID(name)

	logGroup := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: logRetention,
		// Logs are evidence for fraud investigations: keep them when the
		// stack is deleted; they expire with their retention.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + name + " function"),
	})
	logGroup.GrantWrite(role)

	environment := make(map[string]*string, len(env))
	for k, v := range env {
		environment[k] = jsii.String(v)
	}

	return awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Description:           jsii.String(spec.description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          arch,
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(assetRoot, name)), nil),
		MemorySize:            jsii.Number(spec.memoryMB),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(spec.timeoutSeconds)),
		Environment:           &environment,
		Role:                  role,
		LogGroup:              logGroup,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
	})
}

// functionEnvironments returns the environment of each function: only the
// variables that the function reads. Every function builds the call session
// rules at cold start, so each gets all five session settings. A function
// that lacked one would combine that setting's default with the others, a
// combination that Config.Validate does not check.
func functionEnvironments(cfg Config, tableName, fraudTopicARN string) map[string]map[string]string {
	common := func() map[string]string {
		return map[string]string{
			EnvTableName:        tableName,
			EnvMetricsNamespace: cfg.MetricsNamespace,
			EnvAnswerWindow:     cfg.Session.AnswerWindow.String(),
			EnvAccessWindow:     cfg.Session.AccessWindow.String(),
			EnvRetention:        cfg.Session.Retention.String(),
			EnvMatchCodeDigits:  strconv.Itoa(cfg.Session.MatchCodeDigits),
			EnvPushBudget:       strconv.Itoa(cfg.Session.PushBudget),
		}
	}
	// An empty ARN means that the platform is not configured.
	withPlatforms := func(env map[string]string) map[string]string {
		env[EnvAPNSApplicationARN] = string(cfg.Push.APNS)
		env[EnvAPNSSandboxApplicationARN] = string(cfg.Push.APNSSandbox)
		env[EnvGCMApplicationARN] = string(cfg.Push.GCM)
		return env
	}

	respond := common()
	respond[EnvFraudTopicARN] = fraudTopicARN

	return map[string]map[string]string{
		metricnames.FunctionCallStart: withPlatforms(common()),
		metricnames.FunctionRespond:   respond,
		metricnames.FunctionGate:      common(),
		metricnames.FunctionDevices:   withPlatforms(common()),
	}
}

// constructID turns a function name into a construct id, "callstart" into
// "CallStart".
func constructID(name string) string {
	ids := map[string]string{
		metricnames.FunctionCallStart: "CallStart",
		metricnames.FunctionRespond:   "Respond",
		metricnames.FunctionGate:      "Gate",
		metricnames.FunctionDevices:   "Devices",
	}
	return ids[name]
}
