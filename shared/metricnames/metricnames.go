// Package metricnames names the business metrics of You Rang?. The functions
// write them as CloudWatch Embedded Metric Format (EMF) log lines, and the CDK
// stack builds its dashboard from the same constants, so a renamed metric
// cannot leave an empty graph behind. The package holds constants only and
// imports nothing.
//
// Every metric has the dimension [DimensionFunction]. [GateDecisions] has the
// dimension set [DimensionFunction], [DimensionReason], where the reason is a
// callsession.Reason value such as "customer_confirmed".
package metricnames

// DefaultNamespace is the CloudWatch namespace used when the environment
// variable YOURANG_METRICS_NAMESPACE is not set.
const DefaultNamespace = "YouRang"

// Dimension names.
const (
	// DimensionFunction is the name of the function that emitted the
	// metric, one of the Function* values.
	DimensionFunction = "Function"
	// DimensionReason is the reason of a gate decision.
	DimensionReason = "Reason"
)

// Values of DimensionFunction. They are also the names of the function
// directories under functions/ and of their build outputs.
const (
	FunctionCallStart = "callstart"
	FunctionRespond   = "respond"
	FunctionGate      = "gate"
	FunctionDevices   = "devices"
)

// Metric names. Each counts events, with unit Count, unless its comment names
// another unit.
const (
	// CallsStarted counts new call sessions.
	CallsStarted = "CallsStarted"
	// CallsReplayed counts call starts that repeated a known call_ref and
	// returned the existing session.
	CallsReplayed = "CallsReplayed"
	// CallsSuperseded counts pending sessions expired because a newer call
	// for the same customer started.
	CallsSuperseded = "CallsSuperseded"
	// CallsConfirmed counts sessions that the customer confirmed.
	CallsConfirmed = "CallsConfirmed"
	// CallsDenied counts sessions that the customer denied, or that were
	// denied after too many wrong match codes.
	CallsDenied = "CallsDenied"
	// CallsExpiredUnanswered counts sessions whose answer window ended with
	// no answer.
	CallsExpiredUnanswered = "CallsExpiredUnanswered"
	// DevicesReached counts devices that SNS accepted a push for.
	DevicesReached = "DevicesReached"
	// DevicesFailed counts devices whose push failed.
	DevicesFailed = "DevicesFailed"
	// TimeToAnswer is the time from the start of a session to the
	// customer's answer, in TimeToAnswerUnit.
	TimeToAnswer = "TimeToAnswer"
	// GateDecisions counts gate decisions per field, with the dimension
	// DimensionReason beside DimensionFunction.
	GateDecisions = "GateDecisions"
)

// TimeToAnswerUnit is the EMF unit of TimeToAnswer.
const TimeToAnswerUnit = "Milliseconds"
