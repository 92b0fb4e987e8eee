package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/shared/metricnames"
)

// alarmPeriod is the period of every alarm and dashboard graph.
const alarmPeriod = 5 // minutes

// apiServerErrorThreshold is how many 5xx responses in one period raise the
// API alarm. A single 503 can come from one DynamoDB hiccup that the agent's
// retry covers; five in five minutes means agents are affected.
const apiServerErrorThreshold = 5

// tableOperations are the DynamoDB operations that the functions call, for
// the throttling alarm.
var tableOperations = []awsdynamodb.Operation{
	awsdynamodb.Operation_GET_ITEM,
	awsdynamodb.Operation_PUT_ITEM,
	awsdynamodb.Operation_UPDATE_ITEM,
	awsdynamodb.Operation_DELETE_ITEM,
	awsdynamodb.Operation_QUERY,
	awsdynamodb.Operation_TRANSACT_WRITE_ITEMS,
}

func sumOverPeriod() *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(alarmPeriod)),
		Statistic: jsii.String("Sum"),
	}
}

// newAlarms creates the alarms on each function's errors and throttles, the
// API's 5xx responses and DynamoDB throttling, all notifying topic when they
// go into ALARM and back to OK.
func newAlarms(scope constructs.Construct, topic awssns.Topic, functions map[string]awslambda.Function, api awsapigatewayv2.HttpApi, table awsdynamodb.Table) []awscloudwatch.Alarm {
	action := awscloudwatchactions.NewSnsAction(topic)
	newAlarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.Alarm {
		alarm := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			// No data means no requests, which is not a failure.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String(description),
		})
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
		return alarm
	}

	var alarms []awscloudwatch.Alarm
	for _, name := range FunctionNames {
		fn, id := functions[name], constructID(name)
		// The functions return handled failures as an HTTP status, so a
		// Lambda error is a crash or a timeout.
		alarms = append(alarms,
			newAlarm(id+"ErrorsAlarm", fmt.Sprintf("The %s function crashed or timed out.", name), fn.MetricErrors(sumOverPeriod()), 1),
			newAlarm(id+"ThrottlesAlarm", fmt.Sprintf("Lambda throttled the %s function: the account or function concurrency limit was reached.", name), fn.MetricThrottles(sumOverPeriod()), 1),
		)
	}
	alarms = append(alarms,
		newAlarm("ApiServerErrorsAlarm", fmt.Sprintf("The API returned %d or more 5xx responses in %d minutes.", apiServerErrorThreshold, alarmPeriod), api.MetricServerError(sumOverPeriod()), apiServerErrorThreshold),
		newAlarm("TableThrottlesAlarm", "DynamoDB throttled requests to the table.", tableThrottles(table), 1),
	)
	return alarms
}

// tableThrottles returns the sum of the table's throttled requests over
// the operations that the functions call.
func tableThrottles(table awsdynamodb.Table) awscloudwatch.IMetric {
	options := &awsdynamodb.OperationsMetricOptions{
		Period:     awscdk.Duration_Minutes(jsii.Number(alarmPeriod)),
		Statistic:  jsii.String("Sum"),
		Operations: &tableOperations,
	}
	return table.MetricThrottledRequestsForOperations(options)
}

// newDashboard creates a dashboard with the alarms' states on top, then the
// business metrics, then the API, function and table metrics.
func newDashboard(scope constructs.Construct, cfg Config, alarms []awscloudwatch.Alarm, functions map[string]awslambda.Function, api awsapigatewayv2.HttpApi, table awsdynamodb.Table) awscloudwatch.Dashboard {
	dashboard := awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(*awscdk.Stack_Of(scope).StackName() + "-overview"),
		DefaultInterval: awscdk.Duration_Days(jsii.Number(1)),
	})

	alarmRefs := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		alarmRefs[i] = a
	}
	dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title:  jsii.String("Alarms"),
		Alarms: &alarmRefs,
		Width:  jsii.Number(24),
	}))

	dashboard.AddWidgets(businessWidgets(cfg.MetricsNamespace)...)
	dashboard.AddWidgets(serviceWidgets(functions, api, table)...)
	return dashboard
}

// businessWidgets graphs the metrics that the functions write in Embedded
// Metric Format. Each graph is a SEARCH over the metric name, so it shows
// every function that emits the metric, and, for GateDecisions, every
// reason, with no list here to keep in step with the functions.
func businessWidgets(namespace string) []awscloudwatch.IWidget {
	byFunction := "{\"" + namespace + "\"," + metricnames.DimensionFunction + "}"
	byReason := "{\"" + namespace + "\"," + metricnames.DimensionFunction + "," + metricnames.DimensionReason + "}"

	calls := []awscloudwatch.IMetric{}
	for _, name := range []string{
		metricnames.CallsStarted,
		metricnames.CallsReplayed,
		metricnames.CallsSuperseded,
		metricnames.CallsConfirmed,
		metricnames.CallsDenied,
		metricnames.CallsExpiredUnanswered,
	} {
		calls = append(calls, search(byFunction, name, "Sum"))
	}

	return []awscloudwatch.IWidget{
		graph("Call sessions", 12, calls, nil),
		graph("Push deliveries per device", 6, []awscloudwatch.IMetric{
			search(byFunction, metricnames.DevicesReached, "Sum"),
			search(byFunction, metricnames.DevicesFailed, "Sum"),
		}, nil),
		graph("Time to answer ("+metricnames.TimeToAnswerUnit+")", 6, []awscloudwatch.IMetric{
			search(byFunction, metricnames.TimeToAnswer, "p50"),
			search(byFunction, metricnames.TimeToAnswer, "p90"),
		}, nil),
		graph("Gate decisions by reason", 24, []awscloudwatch.IMetric{
			search(byReason, metricnames.GateDecisions, "Sum"),
		}, nil),
	}
}

// search returns a SEARCH expression over schema for metricName, labelled
// with the metric name, the statistic and the dimension values.
func search(schema, metricName, statistic string) awscloudwatch.IMetric {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("SEARCH('%s MetricName=\"%s\"', '%s', %d)", schema, metricName, statistic, alarmPeriod*60)),
		Label:      jsii.String(metricName + " " + statistic + " ${PROP('Dim')}"),
		Period:     awscdk.Duration_Minutes(jsii.Number(alarmPeriod)),
	})
}

// serviceWidgets graphs API traffic, function health and table throttling.
func serviceWidgets(functions map[string]awslambda.Function, api awsapigatewayv2.HttpApi, table awsdynamodb.Table) []awscloudwatch.IWidget {
	var failures, durations []awscloudwatch.IMetric
	for _, name := range FunctionNames {
		fn := functions[name]
		failures = append(failures,
			fn.MetricErrors(labelled(name+" errors", "Sum")),
			fn.MetricThrottles(labelled(name+" throttles", "Sum")))
		durations = append(durations, fn.MetricDuration(labelled(name+" p90", "p90")))
	}

	return []awscloudwatch.IWidget{
		graph("API requests and errors", 12, []awscloudwatch.IMetric{
			api.MetricCount(labelled("requests", "Sum")),
			api.MetricClientError(labelled("4xx", "Sum")),
			api.MetricServerError(labelled("5xx", "Sum")),
		}, []awscloudwatch.IMetric{
			api.MetricLatency(labelled("latency p90 (ms)", "p90")),
		}),
		graph("DynamoDB throttled requests", 12, []awscloudwatch.IMetric{tableThrottles(table)}, nil),
		graph("Function errors and throttles", 12, failures, nil),
		graph("Function duration (ms)", 12, durations, nil),
	}
}

func labelled(label, statistic string) *awscloudwatch.MetricOptions {
	options := sumOverPeriod()
	options.Label = jsii.String(label)
	options.Statistic = jsii.String(statistic)
	return options
}

func graph(title string, width float64, left, right []awscloudwatch.IMetric) awscloudwatch.GraphWidget {
	props := &awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Width:  jsii.Number(width),
		Height: jsii.Number(6),
		Left:   &left,
	}
	if len(right) > 0 {
		props.Right = &right
	}
	return awscloudwatch.NewGraphWidget(props)
}
