package snstest

import (
	"maps"
	"net/http"
	"net/url"
	"time"
)

// Request is one request that the server received, with its parameters
// decoded from the form body.
type Request struct {
	// Seq numbers the requests from 1 in the order they were served.
	Seq    int
	Time   time.Time
	Action string
	// Params holds every form parameter as sent, such as "TargetArn" or
	// "MessageAttributes.entry.1.Name".
	Params url.Values
	// Attributes holds the decoded Attributes.entry.N.key and .value pairs of
	// CreatePlatformEndpoint and SetEndpointAttributes.
	Attributes map[string]string
	// MessageAttributes holds the decoded MessageAttributes.entry.N of
	// Publish, by name.
	MessageAttributes map[string]MessageAttribute
	Header            http.Header
	// Status and ErrorCode are the HTTP status and the SNS error code of the
	// response; ErrorCode is empty for a success.
	Status    int
	ErrorCode string
}

// Param returns the first value of the form parameter name, or "".
func (r Request) Param(name string) string { return r.Params.Get(name) }

func (r Request) clone() Request {
	r.Params = cloneValues(r.Params)
	r.Attributes = maps.Clone(r.Attributes)
	r.MessageAttributes = maps.Clone(r.MessageAttributes)
	r.Header = r.Header.Clone()
	return r
}

// MessageAttribute is one message attribute of a Publish request.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue string
}

// Endpoint is a platform endpoint.
type Endpoint struct {
	ARN            string
	ApplicationARN string
	Platform       string
	Token          string
	CustomUserData string
	Enabled        bool
}

// Message is an accepted publish.
type Message struct {
	MessageID string
	// TargetARN is the endpoint of a direct publish, TopicARN the topic of a
	// topic publish; one of them is empty.
	TargetARN        string
	TopicARN         string
	MessageStructure string
	Message          string
	Subject          string
	Attributes       map[string]MessageAttribute
	// Platform and Payload are set for a publish to an endpoint: the
	// endpoint's platform, and the text SNS would hand to that platform (the
	// platform's entry of a JSON message, else its "default" entry).
	Platform string
	Payload  string
}

func (m Message) clone() Message {
	m.Attributes = maps.Clone(m.Attributes)
	return m
}

// Fault is an error that the server returns in place of handling a request.
type Fault struct {
	// Action limits the fault to one action, such as "Publish"; empty
	// matches every action.
	Action string
	// Code is the SNS error code, such as "Throttling", "InternalError" or
	// "InvalidParameter".
	Code    string
	Message string
	// Status is the HTTP status; 0 picks the status SNS uses for Code.
	Status int
}
