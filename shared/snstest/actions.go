package snstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits that SNS documents for the parameters the server checks.
const (
	maxMessageBytes        = 256 * 1024
	maxCustomUserDataChars = 2048
	maxAPNSPayloadBytes    = 4096
)

// endpointAttributeNames are the attributes a platform endpoint has.
var endpointAttributeNames = []string{"CustomUserData", "Enabled", "Token"}

type createPlatformEndpointResult struct {
	XMLName     xml.Name `xml:"CreatePlatformEndpointResult"`
	EndpointArn string
}

// createPlatformEndpoint creates an endpoint, or returns the existing
// endpoint of the application with the same token when the requested
// attributes match it. When they differ it fails like SNS, naming the
// existing endpoint in the message.
func (s *Server) createPlatformEndpoint(r *Request) (any, *apiError) {
	appARN, token := r.Param("PlatformApplicationArn"), r.Param("Token")
	switch {
	case appARN == "":
		return nil, missing("PlatformApplicationArn")
	case token == "":
		return nil, missing("Token")
	}
	want, err := endpointAttributes(r)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	platform, ok := s.apps[appARN]
	if !ok {
		return nil, notFound("PlatformApplication does not exist")
	}
	for _, e := range s.endpoints {
		if e.ApplicationARN != appARN || e.Token != token {
			continue
		}
		if !e.matches(want) {
			return nil, invalidParameter("Token Reason: Endpoint %s already exists with the same Token, but different attributes.", e.ARN)
		}
		return createPlatformEndpointResult{EndpointArn: e.ARN}, nil
	}

	e := &Endpoint{
		ARN:            endpointARN(appARN, platform),
		ApplicationARN: appARN,
		Platform:       platform,
		Token:          token,
		Enabled:        true,
	}
	e.apply(want)
	s.endpoints[e.ARN] = e
	return createPlatformEndpointResult{EndpointArn: e.ARN}, nil
}

// endpointARN returns a new endpoint ARN under the application:
// arn:aws:sns:<region>:<account>:endpoint/<platform>/<app name>/<id>.
func endpointARN(appARN, platform string) string {
	name := appARN[strings.LastIndex(appARN, "/")+1:]
	return fmt.Sprintf("arn:aws:sns:%s:%s:endpoint/%s/%s/%s", Region, AccountID, platform, name, newID())
}

// endpointAttributes returns the endpoint attributes a create request sets:
// its Attributes entries and its CustomUserData parameter.
func endpointAttributes(r *Request) (map[string]string, *apiError) {
	out := make(map[string]string, len(r.Attributes)+1)
	for k, v := range r.Attributes {
		out[k] = v
	}
	if v := r.Param("CustomUserData"); v != "" {
		out["CustomUserData"] = v
	}
	return out, checkEndpointAttributes(out)
}

func checkEndpointAttributes(attrs map[string]string) *apiError {
	for k, v := range attrs {
		switch k {
		case "CustomUserData":
			if utf8.RuneCountInString(v) > maxCustomUserDataChars {
				return invalidParameter("CustomUserData Reason: must be at most %d characters", maxCustomUserDataChars)
			}
		case "Enabled":
			if v != "true" && v != "false" {
				return invalidParameter("Attributes Reason: Enabled must be true or false")
			}
		case "Token":
			if v == "" {
				return invalidParameter("Attributes Reason: Token must not be empty")
			}
		default:
			return invalidParameter("Attributes Reason: Invalid attribute name: %s", k)
		}
	}
	return nil
}

// matches reports whether e has every attribute in attrs.
func (e *Endpoint) matches(attrs map[string]string) bool {
	current := e.attributes()
	for k, v := range attrs {
		if current[k] != v {
			return false
		}
	}
	return true
}

func (e *Endpoint) apply(attrs map[string]string) {
	for k, v := range attrs {
		switch k {
		case "CustomUserData":
			e.CustomUserData = v
		case "Enabled":
			e.Enabled = v == "true"
		case "Token":
			e.Token = v
		}
	}
}

func (e *Endpoint) attributes() map[string]string {
	attrs := map[string]string{"Token": e.Token, "Enabled": fmt.Sprint(e.Enabled)}
	if e.CustomUserData != "" {
		attrs["CustomUserData"] = e.CustomUserData
	}
	return attrs
}

type attributeEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type getEndpointAttributesResult struct {
	XMLName    xml.Name         `xml:"GetEndpointAttributesResult"`
	Attributes []attributeEntry `xml:"Attributes>entry"`
}

func (s *Server) getEndpointAttributes(r *Request) (any, *apiError) {
	arn := r.Param("EndpointArn")
	if arn == "" {
		return nil, missing("EndpointArn")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[arn]
	if !ok {
		return nil, notFound("Endpoint does not exist")
	}
	attrs := e.attributes()
	result := getEndpointAttributesResult{}
	for _, k := range endpointAttributeNames {
		if v, ok := attrs[k]; ok {
			result.Attributes = append(result.Attributes, attributeEntry{Key: k, Value: v})
		}
	}
	return result, nil
}

func (s *Server) setEndpointAttributes(r *Request) *apiError {
	arn := r.Param("EndpointArn")
	switch {
	case arn == "":
		return missing("EndpointArn")
	case len(r.Attributes) == 0:
		return missing("Attributes")
	}
	if err := checkEndpointAttributes(r.Attributes); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[arn]
	if !ok {
		return notFound("Endpoint does not exist")
	}
	e.apply(r.Attributes)
	return nil
}

// deleteEndpoint deletes an endpoint. Like SNS, it succeeds when the
// endpoint does not exist.
func (s *Server) deleteEndpoint(r *Request) *apiError {
	arn := r.Param("EndpointArn")
	if arn == "" {
		return missing("EndpointArn")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.endpoints, arn)
	return nil
}

type publishResult struct {
	XMLName   xml.Name `xml:"PublishResult"`
	MessageID string   `xml:"MessageId"`
}

// publish accepts a message for one endpoint or topic after checking it as
// SNS does: one target, a non-empty message, a JSON message with a
// "default" entry when MessageStructure is json, and a valid JSON object for
// the endpoint's platform.
func (s *Server) publish(r *Request) (any, *apiError) {
	m := Message{
		TargetARN:        r.Param("TargetArn"),
		TopicARN:         r.Param("TopicArn"),
		MessageStructure: r.Param("MessageStructure"),
		Message:          r.Param("Message"),
		Subject:          r.Param("Subject"),
		Attributes:       r.MessageAttributes,
	}
	entries, err := checkPublish(m, r.Param("PhoneNumber"))
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if m.TopicARN != "" {
		if !s.topics[m.TopicARN] {
			return nil, notFound("Topic does not exist")
		}
	} else {
		e, ok := s.endpoints[m.TargetARN]
		if !ok {
			return nil, notFound("Endpoint does not exist")
		}
		if !e.Enabled {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "EndpointDisabled", Message: "Endpoint is disabled"}
		}
		m.Platform = e.Platform
		if m.Payload, err = platformPayload(m, entries, e.Platform); err != nil {
			return nil, err
		}
	}

	m.MessageID = newID()
	s.published = append(s.published, m)
	return publishResult{MessageID: m.MessageID}, nil
}

// checkPublish checks the target and message of a publish, and returns the
// entries of a JSON message.
func checkPublish(m Message, phone string) (map[string]string, *apiError) {
	targets := 0
	for _, v := range []string{m.TargetARN, m.TopicARN, phone} {
		if v != "" {
			targets++
		}
	}
	switch {
	case targets == 0:
		return nil, missing("TopicArn or TargetArn")
	case targets > 1:
		return nil, invalidParameter("TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be given")
	case phone != "":
		return nil, invalidParameter("PhoneNumber Reason: SMS is not supported by this test server")
	case m.Message == "":
		return nil, invalidParameter("Empty message")
	case len(m.Message) > maxMessageBytes:
		return nil, invalidParameter("Message too long")
	case !utf8.ValidString(m.Message):
		return nil, invalidParameter("Message Reason: Message must be valid UTF-8")
	}

	switch m.MessageStructure {
	case "":
		return nil, nil
	case "json":
		return jsonEntries(m.Message)
	}
	return nil, invalidParameter("MessageStructure Reason: %q is not valid, use json or leave it out", m.MessageStructure)
}

// jsonEntries parses a message of structure json: an object whose values are
// strings, with a "default" entry.
func jsonEntries(message string) (map[string]string, *apiError) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(message), &raw); err != nil {
		return nil, invalidParameter("Message Structure - JSON message body failed to parse")
	}
	entries := make(map[string]string, len(raw))
	for k, v := range raw {
		text, ok := v.(string)
		if !ok {
			return nil, invalidParameter("Message Structure - JSON message body entry %s is not a string", k)
		}
		entries[k] = text
	}
	if _, ok := entries["default"]; !ok {
		return nil, invalidParameter("Message Structure - No default entry in JSON message body")
	}
	return entries, nil
}

// platformPayload returns what SNS would hand to the platform: the
// platform's entry of a JSON message, which must be a JSON object (within
// the APNs size limit for Apple platforms), else the "default" entry or the
// plain message.
//
// NOTE: SNS may accept a GCM entry in the legacy FCM form too. This server
// requires the FCM v1 form with fcmV1Message, the form the adapter sends, so
// that a regression to the legacy form fails the tests.
func platformPayload(m Message, entries map[string]string, platform string) (string, *apiError) {
	if m.MessageStructure != "json" {
		return m.Message, nil
	}
	payload, ok := entries[platform]
	if !ok {
		return entries["default"], nil
	}

	var object map[string]any
	if err := json.Unmarshal([]byte(payload), &object); err != nil {
		return "", invalidParameter("Message Reason: Invalid notification for protocol %s: the payload is not a JSON object", platform)
	}
	if strings.HasPrefix(platform, "APNS") && len(payload) > maxAPNSPayloadBytes {
		return "", invalidParameter("Message Reason: Invalid notification for protocol %s: payload is %d bytes, over the limit of %d", platform, len(payload), maxAPNSPayloadBytes)
	}
	if platform == "GCM" {
		if _, ok := object["fcmV1Message"]; !ok {
			return "", invalidParameter("Message Reason: Invalid notification for protocol GCM: fcmV1Message is missing")
		}
	}
	return payload, nil
}

// CreateEndpoint adds an endpoint to the default application of platform,
// as if a client had registered the token earlier, and returns its ARN.
func (s *Server) CreateEndpoint(platform, token, customUserData string, enabled bool) string {
	appARN := s.ApplicationARN(platform)
	e := &Endpoint{
		ARN:            endpointARN(appARN, platform),
		ApplicationARN: appARN,
		Platform:       platform,
		Token:          token,
		CustomUserData: customUserData,
		Enabled:        enabled,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endpoints[e.ARN] = e
	return e.ARN
}

// Endpoint returns a copy of the endpoint with the ARN.
func (s *Server) Endpoint(arn string) (Endpoint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[arn]
	if !ok {
		return Endpoint{}, false
	}
	return *e, true
}

// Endpoints returns copies of all endpoints, ordered by ARN.
func (s *Server) Endpoints() []Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Endpoint, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// DisableEndpoint marks an endpoint disabled, as SNS does when APNs or FCM
// reports its token invalid. Publishing to it then fails with
// EndpointDisabled. It reports whether the endpoint exists.
func (s *Server) DisableEndpoint(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[arn]
	if ok {
		e.Enabled = false
	}
	return ok
}

// DeleteEndpoint removes an endpoint, as if deleted by another client.
// Publishing to it then fails with NotFound.
func (s *Server) DeleteEndpoint(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.endpoints, arn)
}
