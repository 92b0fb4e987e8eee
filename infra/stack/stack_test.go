package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/infra/stack"
	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/metricnames"
	"github.com/yourang/yourang/shared/settings"
)

const (
	testIssuer      = "https://login.example.com/"
	apnsARN         = "arn:aws:sns:eu-west-2:123456789012:app/APNS/yourang"
	apnsSandboxARN  = "arn:aws:sns:eu-west-2:123456789012:app/APNS_SANDBOX/yourang-dev"
	gcmARN          = "arn:aws:sns:eu-west-2:123456789012:app/GCM/yourang"
	apnsEndpoints   = "arn:aws:sns:eu-west-2:123456789012:endpoint/APNS/yourang/*"
	sandboxEndpoint = "arn:aws:sns:eu-west-2:123456789012:endpoint/APNS_SANDBOX/yourang-dev/*"
	gcmEndpoints    = "arn:aws:sns:eu-west-2:123456789012:endpoint/GCM/yourang/*"
)

// testContext returns context values as cdk.json would give them, with
// every platform application set.
func testContext() map[string]any {
	return map[string]any{
		stack.ContextJWTIssuer:                 testIssuer,
		stack.ContextJWTAudience:               "yourang-app, yourang-app-beta",
		stack.ContextAPNSApplicationARN:        apnsARN,
		stack.ContextAPNSSandboxApplicationARN: apnsSandboxARN,
		stack.ContextGCMApplicationARN:         gcmARN,
	}
}

func testConfig(t *testing.T) stack.Config {
	t.Helper()
	cfg, err := stack.ConfigFromContext(contextOf(testContext()))
	if err != nil {
		t.Fatalf("ConfigFromContext: %v", err)
	}
	return cfg
}

func contextOf(values map[string]any) func(string) any {
	return func(key string) any { return values[key] }
}

// writeAssets writes a dummy bootstrap per function under root, so the stack
// synthesizes without a real build.
func writeAssets(root string) error {
	for _, name := range stack.FunctionNames {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("not a binary: "+name), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// synthesized is the stack under test with its template, built once because
// each synthesis takes seconds.
type synthesized struct {
	stack    *stack.Stack
	template assertions.Template
	json     map[string]any
}

var (
	fixtureOnce sync.Once
	fixture     synthesized
	fixtureErr  error
	// fixtureAssets outlives the test that builds the fixture, so it is
	// not a t.TempDir.
	fixtureAssets string
)

func build(t *testing.T) synthesized {
	t.Helper()
	fixtureOnce.Do(func() {
		if fixtureAssets, fixtureErr = os.MkdirTemp("", "yourang-infra-assets"); fixtureErr != nil {
			return
		}
		if fixtureErr = writeAssets(fixtureAssets); fixtureErr != nil {
			return
		}
		fixture, fixtureErr = synthesize(testContext(), fixtureAssets)
	})
	if fixtureErr != nil {
		t.Fatalf("build stack: %v", fixtureErr)
	}
	return fixture
}

// synthesize builds the stack from context values, with the bootstrap
// binaries under assetRoot, and parses its template.
func synthesize(values map[string]any, assetRoot string) (synthesized, error) {
	cfg, err := stack.ConfigFromContext(contextOf(values))
	if err != nil {
		return synthesized{}, err
	}
	app := awscdk.NewApp(nil)
	s, err := stack.New(app, "YouRangTest", stack.Props{Config: cfg, AssetRoot: assetRoot})
	if err != nil {
		return synthesized{}, err
	}
	template := assertions.Template_FromStack(s.Stack, nil)
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		return synthesized{}, err
	}
	var parsed map[string]any
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return synthesized{}, err
	}
	return synthesized{stack: s, template: template, json: parsed}, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureAssets != "" {
		os.RemoveAll(fixtureAssets)
	}
	jsii.Close()
	os.Exit(code)
}

// resources returns the template's resources of type typ by logical id.
func (s synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func properties(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

// mustMatch runs a CDK assertion, which panics with the mismatch, as a test
// error.
func mustMatch(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

func TestTableSchema(t *testing.T) {
	s := build(t)
	tables := s.resources("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("got %d tables, want 1", len(tables))
	}

	mustMatch(t, "table properties", func() {
		s.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": dynamostore.PartitionKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": dynamostore.SortKey, "KeyType": "RANGE"},
			},
			"BillingMode": "PAY_PER_REQUEST",
			"TimeToLiveSpecification": map[string]any{
				"AttributeName": dynamostore.TTLAttribute,
				"Enabled":       true,
			},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"DeletionProtectionEnabled":        true,
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"GlobalSecondaryIndexes": []any{map[string]any{
				"IndexName": dynamostore.CustomerIndex,
				"KeySchema": []any{
					map[string]any{"AttributeName": dynamostore.CustomerIndexPartitionKey, "KeyType": "HASH"},
					map[string]any{"AttributeName": dynamostore.CustomerIndexSortKey, "KeyType": "RANGE"},
				},
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}},
		})
	})

	for _, table := range tables {
		ttl := properties(table)["TimeToLiveSpecification"].(map[string]any)
		if got := ttl["AttributeName"]; got != dynamostore.TTLAttribute {
			t.Errorf("TTL attribute = %v, want %q", got, dynamostore.TTLAttribute)
		}
		for _, attr := range properties(table)["AttributeDefinitions"].([]any) {
			if typ := attr.(map[string]any)["AttributeType"]; typ != "S" {
				t.Errorf("attribute %v has type %v, want S", attr.(map[string]any)["AttributeName"], typ)
			}
		}
		if got := table["DeletionPolicy"]; got != "Retain" {
			t.Errorf("table DeletionPolicy = %v, want Retain", got)
		}
		if got := table["UpdateReplacePolicy"]; got != "Retain" {
			t.Errorf("table UpdateReplacePolicy = %v, want Retain", got)
		}
	}
}

func TestFunctionsRuntime(t *testing.T) {
	s := build(t)
	functions := s.resources("AWS::Lambda::Function")
	if len(functions) != 4 {
		t.Errorf("got %d Lambda functions, want 4", len(functions))
	}
	for id, fn := range functions {
		p := properties(fn)
		if got := p["Runtime"]; got != "provided.al2023" {
			t.Errorf("%s: Runtime = %v, want provided.al2023", id, got)
		}
		if got := fmt.Sprint(p["Architectures"]); got != "[arm64]" {
			t.Errorf("%s: Architectures = %v, want [arm64]", id, got)
		}
		if got := p["Handler"]; got != "bootstrap" {
			t.Errorf("%s: Handler = %v, want bootstrap", id, got)
		}
		logging, _ := p["LoggingConfig"].(map[string]any)
		if got := logging["LogFormat"]; got != "JSON" {
			t.Errorf("%s: LogFormat = %v, want JSON", id, got)
		}
		if _, ok := logging["LogGroup"]; !ok {
			t.Errorf("%s: LoggingConfig has no LogGroup, want the function's own log group", id)
		}
		timeout, _ := p["Timeout"].(float64)
		if timeout <= 0 || timeout >= 30 {
			t.Errorf("%s: Timeout = %v s, want above 0 and below API Gateway's 30 s", id, timeout)
		}
		if got := p["MemorySize"]; got != 256.0 {
			t.Errorf("%s: MemorySize = %v, want 256", id, got)
		}
	}

	for id, group := range s.resources("AWS::Logs::LogGroup") {
		if got := properties(group)["RetentionInDays"]; got != 90.0 {
			t.Errorf("log group %s: RetentionInDays = %v, want 90", id, got)
		}
	}
}

func TestFunctionEnvironment(t *testing.T) {
	s := build(t)
	platforms := []string{
		stack.EnvAPNSApplicationARN, stack.EnvAPNSSandboxApplicationARN, stack.EnvGCMApplicationARN,
	}
	// Every function reads the session settings at cold start.
	common := []string{
		stack.EnvTableName, stack.EnvMetricsNamespace,
		stack.EnvAnswerWindow, stack.EnvAccessWindow, stack.EnvRetention, stack.EnvMatchCodeDigits, stack.EnvPushBudget,
	}
	want := map[string][]string{
		metricnames.FunctionCallStart: append(slices.Clone(common), platforms...),
		metricnames.FunctionRespond:   append(slices.Clone(common), stack.EnvFraudTopicARN),
		metricnames.FunctionGate:      slices.Clone(common),
		metricnames.FunctionDevices:   append(slices.Clone(common), platforms...),
	}

	for name, keys := range want {
		vars := s.environment(t, name)
		got := sortedKeys(vars)
		sort.Strings(keys)
		if !slices.Equal(got, keys) {
			t.Errorf("%s: environment variables = %v, want %v", name, got, keys)
		}
		for key, value := range map[string]string{
			stack.EnvMetricsNamespace: metricnames.DefaultNamespace,
			stack.EnvAnswerWindow:     "10m0s",
			stack.EnvAccessWindow:     "1h0m0s",
			stack.EnvRetention:        "2160h0m0s",
			stack.EnvMatchCodeDigits:  "2",
			stack.EnvPushBudget:       "5",
		} {
			if got := vars[key]; got != value {
				t.Errorf("%s: %s = %v, want %q", name, key, got, value)
			}
		}
	}

	callstart := s.environment(t, metricnames.FunctionCallStart)
	for key, value := range map[string]string{
		stack.EnvAPNSApplicationARN:        apnsARN,
		stack.EnvAPNSSandboxApplicationARN: apnsSandboxARN,
		stack.EnvGCMApplicationARN:         gcmARN,
	} {
		if got := callstart[key]; got != value {
			t.Errorf("callstart: %s = %v, want %q", key, got, value)
		}
	}
}

// TestFunctionSessionSettingsStart checks that each function's environment
// passes the session checks that the function runs at cold start, for
// windows that fill the retention exactly. A function given only some of
// the settings would combine them with a default, such as the 10m answer
// window, and fail to start.
func TestFunctionSessionSettingsStart(t *testing.T) {
	assets := t.TempDir()
	if err := writeAssets(assets); err != nil {
		t.Fatal(err)
	}
	values := testContext()
	values[stack.ContextAnswerWindow] = "30s"
	values[stack.ContextAccessWindow] = "24h"
	values[stack.ContextRetention] = "24h0m30s"
	s, err := synthesize(values, assets)
	if err != nil {
		t.Fatalf("synthesize: %v", err)
	}

	for _, name := range stack.FunctionNames {
		vars := s.environment(t, name)
		lookup := func(key string) (string, bool) {
			v, ok := vars[key].(string)
			return v, ok
		}
		cfg, err := settings.SessionConfig(lookup)
		if err != nil {
			t.Errorf("%s: settings.SessionConfig: %v, want the function to start", name, err)
			continue
		}
		if cfg.AnswerWindow != 30*time.Second || cfg.AccessWindow != 24*time.Hour || cfg.Retention != 24*time.Hour+30*time.Second {
			t.Errorf("%s: windows = %v, %v, %v, want 30s, 24h, 24h0m30s", name, cfg.AnswerWindow, cfg.AccessWindow, cfg.Retention)
		}
	}
}

func TestFunctionTimeouts(t *testing.T) {
	s := build(t)
	// The slowest path of each function under the bounds of package
	// callsession, and the timeout that covers it with margin. push is
	// callsession's unexported pushTimeout, the bound of each step that
	// calls SNS.
	store := callsession.DefaultStoreTimeout.Seconds()
	const push = 5.0
	tests := []struct {
		function string
		slowest  float64
		want     float64
	}{
		{metricnames.FunctionCallStart, store + push + store, 15},
		{metricnames.FunctionRespond, store + push, 10},
		{metricnames.FunctionGate, store, 5},
		{metricnames.FunctionDevices, push + store, 10},
	}
	functions := s.resources("AWS::Lambda::Function")
	for _, tt := range tests {
		id := s.logicalID(s.stack.Functions[tt.function].Node().DefaultChild().(awslambda.CfnFunction))
		got, _ := properties(functions[id])["Timeout"].(float64)
		if got != tt.want {
			t.Errorf("%s: Timeout = %v s, want %v s", tt.function, got, tt.want)
		}
		if got < tt.slowest+2 {
			t.Errorf("%s: Timeout = %v s, want at least 2 s above its slowest path of %v s", tt.function, got, tt.slowest)
		}
	}
}

// environment returns the environment variables of the function name.
func (s synthesized) environment(t *testing.T, name string) map[string]any {
	t.Helper()
	id := s.logicalID(s.stack.Functions[name].Node().DefaultChild().(awslambda.CfnFunction))
	fn, ok := s.resources("AWS::Lambda::Function")[id]
	if !ok {
		t.Fatalf("function %s (%s) not in the template", name, id)
	}
	env, _ := properties(fn)["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

func (s synthesized) logicalID(element awscdk.CfnElement) string {
	return *s.stack.GetLogicalId(element)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestRoutes(t *testing.T) {
	s := build(t)
	// The routes of the API design that have a function, with their
	// authorization: AWS_IAM for the agent tools, JWT for customers.
	want := map[string]struct {
		authorization string
		function      string
	}{
		"POST /v1/calls":                    {"AWS_IAM", metricnames.FunctionCallStart},
		"GET /v1/calls/{call_id}":           {"AWS_IAM", metricnames.FunctionCallStart},
		"POST /v1/calls/{call_id}/gate":     {"AWS_IAM", metricnames.FunctionGate},
		"POST /v1/calls/{call_id}/response": {"JWT", metricnames.FunctionRespond},
		"GET /v1/me/calls":                  {"JWT", metricnames.FunctionRespond},
		"PUT /v1/me/devices/{device_id}":    {"JWT", metricnames.FunctionDevices},
		"DELETE /v1/me/devices/{device_id}": {"JWT", metricnames.FunctionDevices},
	}

	routes := map[string]map[string]any{}
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		p := properties(r)
		routes[p["RouteKey"].(string)] = p
	}
	if got, wantKeys := sortedKeys(routes), sortedKeys(want); !slices.Equal(got, wantKeys) {
		t.Errorf("route keys = %v, want %v", got, wantKeys)
	}

	authorizers := s.resources("AWS::ApiGatewayV2::Authorizer")
	integrations := s.resources("AWS::ApiGatewayV2::Integration")
	for key, w := range want {
		route, ok := routes[key]
		if !ok {
			continue
		}
		if got := route["AuthorizationType"]; got != w.authorization {
			t.Errorf("%s: AuthorizationType = %v, want %s", key, got, w.authorization)
		}
		if w.authorization == "JWT" {
			ref, _ := route["AuthorizerId"].(map[string]any)
			authorizer, ok := authorizers[fmt.Sprint(ref["Ref"])]
			if !ok {
				t.Errorf("%s: AuthorizerId %v is not an authorizer of the template", key, route["AuthorizerId"])
			} else if got := properties(authorizer)["AuthorizerType"]; got != "JWT" {
				t.Errorf("%s: authorizer type = %v, want JWT", key, got)
			}
		}

		integration, ok := integrations[integrationID(route["Target"])]
		if !ok {
			t.Errorf("%s: Target %v names no integration of the template", key, route["Target"])
			continue
		}
		p := properties(integration)
		if got := p["PayloadFormatVersion"]; got != "2.0" {
			t.Errorf("%s: PayloadFormatVersion = %v, want 2.0", key, got)
		}
		fnID := s.logicalID(s.stack.Functions[w.function].Node().DefaultChild().(awslambda.CfnFunction))
		if got := fmt.Sprint(p["IntegrationUri"]); !strings.Contains(got, fnID) {
			t.Errorf("%s: IntegrationUri = %v, want the %s function (%s)", key, got, w.function, fnID)
		}
	}

	mustMatch(t, "JWT authorizer", func() {
		s.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{
			"AuthorizerType": "JWT",
			"IdentitySource": []any{"$request.header.Authorization"},
			"JwtConfiguration": map[string]any{
				"Issuer":   testIssuer,
				"Audience": []any{"yourang-app", "yourang-app-beta"},
			},
		})
	})
}

// integrationID returns the integration's logical id from a route target,
// {"Fn::Join": ["", ["integrations/", {"Ref": id}]]}.
func integrationID(target any) string {
	join, _ := target.(map[string]any)["Fn::Join"].([]any)
	if len(join) != 2 {
		return ""
	}
	for _, part := range join[1].([]any) {
		if ref, ok := part.(map[string]any); ok {
			return fmt.Sprint(ref["Ref"])
		}
	}
	return ""
}

func TestStageThrottlingAndAccessLogs(t *testing.T) {
	s := build(t)
	stages := s.resources("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("got %d stages, want 1", len(stages))
	}
	for _, stage := range stages {
		p := properties(stage)
		if got := p["StageName"]; got != "$default" {
			t.Errorf("StageName = %v, want $default", got)
		}
		routeSettings, _ := p["DefaultRouteSettings"].(map[string]any)
		if got := routeSettings["ThrottlingRateLimit"]; got != float64(stack.DefaultThrottleRateLimit) {
			t.Errorf("ThrottlingRateLimit = %v, want %v", got, stack.DefaultThrottleRateLimit)
		}
		if got := routeSettings["ThrottlingBurstLimit"]; got != float64(stack.DefaultThrottleBurstLimit) {
			t.Errorf("ThrottlingBurstLimit = %v, want %v", got, stack.DefaultThrottleBurstLimit)
		}

		logs, _ := p["AccessLogSettings"].(map[string]any)
		if logs["DestinationArn"] == nil {
			t.Errorf("AccessLogSettings has no DestinationArn: %v", logs)
		}
		var format map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(logs["Format"])), &format); err != nil {
			t.Fatalf("access log format is not JSON: %v", err)
		}
		if got := format["request_id"]; got != "$context.requestId" {
			t.Errorf("access log request_id = %q, want $context.requestId", got)
		}
	}
}

// statement is one IAM statement with its actions and resources as JSON.
type statement struct {
	actions   []string
	resources []string
}

// roleStatements returns the statements of every policy attached to the
// role of the function name.
func (s synthesized) roleStatements(t *testing.T, name string) []statement {
	t.Helper()
	role := s.stack.Functions[name].Role().Node().DefaultChild().(awsiam.CfnRole)
	roleID := s.logicalID(role)

	var out []statement
	for _, policy := range s.resources("AWS::IAM::Policy") {
		p := properties(policy)
		if !strings.Contains(fmt.Sprint(p["Roles"]), "Ref:"+roleID+"]") {
			continue
		}
		doc := p["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			m := st.(map[string]any)
			if m["Effect"] != "Allow" {
				t.Errorf("%s: statement with Effect %v, want only Allow", name, m["Effect"])
			}
			out = append(out, statement{actions: stringList(m["Action"]), resources: jsonList(m["Resource"])})
		}
	}
	return out
}

// stringList returns an IAM Action, a string or a list, as a list.
func stringList(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, item := range v.([]any) {
		out = append(out, fmt.Sprint(item))
	}
	return out
}

// jsonList returns an IAM Resource, one value or a list, as JSON strings.
func jsonList(v any) []string {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var out []string
	for _, item := range items {
		b, _ := json.Marshal(item)
		out = append(out, string(b))
	}
	return out
}

func allActions(statements []statement) []string {
	var out []string
	for _, st := range statements {
		out = append(out, st.actions...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// resourcesOf returns the resources of the statements that allow action.
func resourcesOf(statements []statement, action string) []string {
	var out []string
	for _, st := range statements {
		if slices.Contains(st.actions, action) {
			out = append(out, st.resources...)
		}
	}
	sort.Strings(out)
	return out
}

func TestFunctionPermissions(t *testing.T) {
	s := build(t)
	logs := []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	want := map[string][]string{
		metricnames.FunctionCallStart: append([]string{
			"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
			"sns:Publish",
		}, logs...),
		metricnames.FunctionRespond: append([]string{
			"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem",
			"kms:Decrypt", "kms:GenerateDataKey*",
			"sns:Publish",
		}, logs...),
		metricnames.FunctionGate: append([]string{
			"dynamodb:GetItem", "dynamodb:UpdateItem",
		}, logs...),
		metricnames.FunctionDevices: append([]string{
			"dynamodb:DeleteItem", "dynamodb:PutItem",
			"sns:CreatePlatformEndpoint", "sns:DeleteEndpoint", "sns:GetEndpointAttributes", "sns:SetEndpointAttributes",
		}, logs...),
	}

	for name, actions := range want {
		sort.Strings(actions)
		if got := allActions(s.roleStatements(t, name)); !slices.Equal(got, actions) {
			t.Errorf("%s: actions = %v, want %v", name, got, actions)
		}
	}

	gate := allActions(s.roleStatements(t, metricnames.FunctionGate))
	for _, a := range gate {
		if strings.HasPrefix(a, "sns:") {
			t.Errorf("gate: has %s, want no SNS action", a)
		}
	}
	respond := allActions(s.roleStatements(t, metricnames.FunctionRespond))
	if slices.Contains(respond, "sns:CreatePlatformEndpoint") {
		t.Errorf("respond: has sns:CreatePlatformEndpoint, want none")
	}
}

func TestFunctionPermissionResources(t *testing.T) {
	s := build(t)
	tableID := s.logicalID(s.stack.Table.Node().DefaultChild().(awscdk.CfnElement))
	fraudTopicID := s.logicalID(s.stack.FraudTopic.Node().DefaultChild().(awscdk.CfnElement))
	tableARN := fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, tableID)
	indexARN := fmt.Sprintf(`{"Fn::Join":["",[{"Fn::GetAtt":["%s","Arn"]},"/index/%s"]]}`, tableID, dynamostore.CustomerIndex)

	tests := []struct {
		function string
		action   string
		want     []string
	}{
		{metricnames.FunctionCallStart, "dynamodb:PutItem", []string{tableARN}},
		{metricnames.FunctionCallStart, "dynamodb:UpdateItem", []string{tableARN}},
		{metricnames.FunctionCallStart, "dynamodb:Query", []string{tableARN, indexARN}},
		{metricnames.FunctionCallStart, "sns:Publish", quoted(apnsEndpoints, sandboxEndpoint, gcmEndpoints)},
		{metricnames.FunctionRespond, "dynamodb:GetItem", []string{tableARN}},
		{metricnames.FunctionRespond, "dynamodb:UpdateItem", []string{tableARN}},
		{metricnames.FunctionRespond, "dynamodb:Query", []string{indexARN}},
		{metricnames.FunctionRespond, "sns:Publish", []string{fmt.Sprintf(`{"Ref":"%s"}`, fraudTopicID)}},
		{metricnames.FunctionGate, "dynamodb:UpdateItem", []string{tableARN}},
		{metricnames.FunctionDevices, "dynamodb:DeleteItem", []string{tableARN}},
		{metricnames.FunctionDevices, "dynamodb:PutItem", []string{tableARN}},
		{metricnames.FunctionDevices, "sns:CreatePlatformEndpoint", quoted(apnsARN, apnsSandboxARN, gcmARN)},
		{metricnames.FunctionDevices, "sns:DeleteEndpoint", quoted(apnsEndpoints, sandboxEndpoint, gcmEndpoints)},
	}
	for _, tt := range tests {
		t.Run(tt.function+" "+tt.action, func(t *testing.T) {
			got := resourcesOf(s.roleStatements(t, tt.function), tt.action)
			want := slices.Clone(tt.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("resources = %v, want %v", got, want)
			}
		})
	}
}

func quoted(values ...string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = `"` + v + `"`
	}
	return out
}

func TestNoWildcardActions(t *testing.T) {
	s := build(t)
	for id, policy := range s.resources("AWS::IAM::Policy") {
		doc := properties(policy)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			for _, action := range stringList(st.(map[string]any)["Action"]) {
				if action == "*" || strings.HasSuffix(action, ":*") {
					t.Errorf("policy %s allows %q, want named actions only", id, action)
				}
			}
		}
	}
	for id, role := range s.resources("AWS::IAM::Role") {
		if managed := properties(role)["ManagedPolicyArns"]; managed != nil {
			t.Errorf("role %s has managed policies %v, want none", id, managed)
		}
	}
}

func TestTopicsEncrypted(t *testing.T) {
	s := build(t)
	topics := s.resources("AWS::SNS::Topic")
	if len(topics) != 2 {
		t.Errorf("got %d topics, want 2 (fraud alerts, alarms)", len(topics))
	}
	for id, topic := range topics {
		if properties(topic)["KmsMasterKeyId"] == nil {
			t.Errorf("topic %s has no KmsMasterKeyId, want encryption", id)
		}
	}

	// CloudWatch may publish to the encrypted alarm topic only if both the
	// topic policy and the key policy let it.
	alarmTopicID := s.logicalID(s.stack.AlarmTopic.Node().DefaultChild().(awscdk.CfnElement))
	cloudWatch := `"Principal":{"Service":"cloudwatch.amazonaws.com"}`
	var topicPolicyAllows bool
	for _, policy := range s.resources("AWS::SNS::TopicPolicy") {
		body, _ := json.Marshal(properties(policy))
		if strings.Contains(string(body), `"Topics":[{"Ref":"`+alarmTopicID+`"}]`) && strings.Contains(string(body), cloudWatch) {
			topicPolicyAllows = true
		}
	}
	if !topicPolicyAllows {
		t.Errorf("alarm topic policy does not allow cloudwatch.amazonaws.com to publish")
	}
	for id, key := range s.resources("AWS::KMS::Key") {
		if body, _ := json.Marshal(properties(key)); !strings.Contains(string(body), cloudWatch) {
			t.Errorf("key %s policy does not allow cloudwatch.amazonaws.com", id)
		}
	}
}

func TestAlarms(t *testing.T) {
	s := build(t)
	alarmTopicID := s.logicalID(s.stack.AlarmTopic.Node().DefaultChild().(awscdk.CfnElement))
	alarms := s.resources("AWS::CloudWatch::Alarm")

	// Count alarms per metric name; the table alarm is a metric math
	// expression over ThrottledRequests.
	counts := map[string]int{}
	for id, alarm := range alarms {
		p := properties(alarm)
		body, _ := json.Marshal(p)
		for _, metric := range []string{"Errors", "Throttles", "5xx", "ThrottledRequests"} {
			if strings.Contains(string(body), `"MetricName":"`+metric+`"`) {
				counts[metric]++
			}
		}
		if got := fmt.Sprint(p["AlarmActions"]); !strings.Contains(got, alarmTopicID) {
			t.Errorf("alarm %s: AlarmActions = %v, want the alarm topic %s", id, got, alarmTopicID)
		}
	}

	want := map[string]int{"Errors": 4, "Throttles": 4, "5xx": 1, "ThrottledRequests": 1}
	for metric, n := range want {
		if counts[metric] != n {
			t.Errorf("alarms on %s = %d, want %d", metric, counts[metric], n)
		}
	}
	if len(alarms) != 10 {
		t.Errorf("got %d alarms, want 10", len(alarms))
	}
}

func TestDashboardMetrics(t *testing.T) {
	s := build(t)
	dashboards := s.resources("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("got %d dashboards, want 1", len(dashboards))
	}
	for _, d := range dashboards {
		body, _ := json.Marshal(properties(d)["DashboardBody"])
		for _, metric := range []string{
			metricnames.CallsStarted, metricnames.CallsReplayed, metricnames.CallsSuperseded,
			metricnames.CallsConfirmed, metricnames.CallsDenied, metricnames.CallsExpiredUnanswered,
			metricnames.DevicesReached, metricnames.DevicesFailed, metricnames.TimeToAnswer,
			metricnames.GateDecisions,
		} {
			if !strings.Contains(string(body), metric) {
				t.Errorf("dashboard does not show %s", metric)
			}
		}
		if !strings.Contains(string(body), `\"alarms\"`) {
			t.Errorf("dashboard has no alarm status widget")
		}
	}
}

func TestOutputs(t *testing.T) {
	s := build(t)
	outputs, _ := s.json["Outputs"].(map[string]any)
	for _, name := range []string{"ApiUrl", "TableName", "FraudTopicArn", "AlarmTopicArn"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("output %s missing; outputs are %v", name, sortedKeys(outputs))
		}
	}
}

func TestNewMissingBootstrap(t *testing.T) {
	root := t.TempDir()
	if err := writeAssets(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, metricnames.FunctionDevices, "bootstrap")); err != nil {
		t.Fatal(err)
	}

	_, err := stack.New(awscdk.NewApp(nil), "Missing", stack.Props{Config: testConfig(t), AssetRoot: root})
	if err == nil {
		t.Fatal("New succeeded without the devices bootstrap, want an error")
	}
	if !strings.Contains(err.Error(), "devices") || !strings.Contains(err.Error(), "make build-lambda") {
		t.Errorf("error = %q, want it to name the devices function and make build-lambda", err)
	}
}
