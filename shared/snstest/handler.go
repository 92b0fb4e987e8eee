package snstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// xmlns is the namespace of SNS responses.
const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

// maxBodyBytes bounds the form body. SNS messages are at most 256 KiB, and
// the form encoding can triple that.
const maxBodyBytes = 1 << 20

// apiError is an SNS error response.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// invalidParameter returns the InvalidParameter error with SNS's message form.
func invalidParameter(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: "Invalid parameter: " + fmt.Sprintf(format, args...)}
}

// missing returns the error for a required parameter that was not sent.
func missing(name string) *apiError {
	return invalidParameter("%s Reason: no value for required parameter", name)
}

func notFound(message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "NotFound", Message: message}
}

// statusOf returns the HTTP status of SNS error responses with code.
func statusOf(code string) int {
	switch code {
	case "NotFound", "ResourceNotFound":
		return http.StatusNotFound
	case "AuthorizationError", "MissingAuthenticationToken", "IncompleteSignature", "InvalidClientTokenId", "SignatureDoesNotMatch":
		return http.StatusForbidden
	case "InternalError", "InternalFailure":
		return http.StatusInternalServerError
	case "ServiceUnavailable":
		return http.StatusServiceUnavailable
	case "Throttled":
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}

// ServeHTTP serves one SNS query request.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := Request{Time: time.Now().UTC(), Header: req.Header.Clone()}
	result, err := s.serve(req, &r)

	if err != nil {
		r.Status, r.ErrorCode = err.Status, err.Code
		s.record(r)
		writeError(w, err)
		return
	}
	r.Status = http.StatusOK
	s.record(r)
	writeResult(w, r.Action, result)
}

// serve parses and checks the request, fills in r, and runs the action. The
// result is the XML content of the <Action>Result element, nil for actions
// without one.
func (s *Server) serve(req *http.Request, r *Request) (any, *apiError) {
	if req.Method != http.MethodPost {
		return nil, &apiError{Status: http.StatusMethodNotAllowed, Code: "InvalidHttpRequest", Message: "method " + req.Method + " is not supported: send POST with a form body"}
	}
	req.Body = http.MaxBytesReader(nil, req.Body, maxBodyBytes)
	if err := req.ParseForm(); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "MalformedQueryString", Message: err.Error()}
	}
	r.Params = req.PostForm
	r.Action = req.PostForm.Get("Action")

	if err := checkSignature(req); err != nil {
		return nil, err
	}
	if v := r.Param("Version"); v != APIVersion {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "NoSuchVersion", Message: fmt.Sprintf("Version %q is not supported: use %s", v, APIVersion)}
	}
	attrs, err := decodeAttributes(r.Params)
	if err != nil {
		return nil, err
	}
	r.Attributes = attrs
	msgAttrs, err := decodeMessageAttributes(r.Params)
	if err != nil {
		return nil, err
	}
	r.MessageAttributes = msgAttrs

	if f, ok := s.takeFault(r.Action); ok {
		return nil, f
	}
	return s.dispatch(r)
}

func (s *Server) dispatch(r *Request) (any, *apiError) {
	switch r.Action {
	case "CreatePlatformEndpoint":
		return s.createPlatformEndpoint(r)
	case "GetEndpointAttributes":
		return s.getEndpointAttributes(r)
	case "SetEndpointAttributes":
		return nil, s.setEndpointAttributes(r)
	case "DeleteEndpoint":
		return nil, s.deleteEndpoint(r)
	case "Publish":
		return s.publish(r)
	case "":
		return nil, &apiError{Status: http.StatusBadRequest, Code: "MissingAction", Message: "Action is missing"}
	}
	return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this endpoint.", r.Action)}
}

// checkSignature rejects a request without a SigV4 Authorization header for
// the sns service. It does not verify the signature, so any dummy
// credentials pass.
func checkSignature(req *http.Request) *apiError {
	auth := req.Header.Get("Authorization")
	if auth == "" {
		return &apiError{Status: http.StatusForbidden, Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"}
	}
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, "/sns/aws4_request") {
		return &apiError{Status: http.StatusForbidden, Code: "IncompleteSignature", Message: "Authorization header is not a SigV4 signature for the sns service"}
	}
	return nil
}

// decodeAttributes decodes Attributes.entry.N.key and .value pairs. Every
// entry needs both.
func decodeAttributes(params url.Values) (map[string]string, *apiError) {
	entries, err := entries(params, "Attributes.entry.")
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		key, ok := e["key"]
		if !ok || key == "" {
			return nil, invalidParameter("Attributes Reason: an entry has no key")
		}
		value, ok := e["value"]
		if !ok {
			return nil, invalidParameter("Attributes Reason: attribute %s has no value", key)
		}
		out[key] = value
	}
	return out, nil
}

// decodeMessageAttributes decodes MessageAttributes.entry.N.Name and
// .Value.DataType, .Value.StringValue, .Value.BinaryValue, checking each
// value against its data type as SNS does.
func decodeMessageAttributes(params url.Values) (map[string]MessageAttribute, *apiError) {
	entries, err := entries(params, "MessageAttributes.entry.")
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	out := make(map[string]MessageAttribute, len(entries))
	for _, e := range entries {
		name := e["Name"]
		if name == "" {
			return nil, invalidParameter("MessageAttributes Reason: an entry has no Name")
		}
		a := MessageAttribute{DataType: e["Value.DataType"], StringValue: e["Value.StringValue"], BinaryValue: e["Value.BinaryValue"]}
		if err := checkMessageAttribute(name, a); err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, invalidParameter("MessageAttributes Reason: attribute %s is sent twice", name)
		}
		out[name] = a
	}
	return out, nil
}

func checkMessageAttribute(name string, a MessageAttribute) *apiError {
	base, _, _ := strings.Cut(a.DataType, ".")
	switch {
	case a.DataType == "":
		return invalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
	case base == "String" && a.StringValue == "":
		return invalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
	case base == "Number":
		if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
			return invalidParameter("The message attribute '%s' has an invalid numeric value '%s'.", name, a.StringValue)
		}
	case base == "Binary" && a.BinaryValue == "":
		return invalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
	case base != "String" && base != "Number" && base != "Binary":
		return invalidParameter("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	return nil
}

// entries groups the parameters prefix<N>.<field> by N, in the order of N.
// N must be a positive integer, and the numbers must run from 1 without gaps.
func entries(params url.Values, prefix string) ([]map[string]string, *apiError) {
	byIndex := map[int]map[string]string{}
	for name, values := range params {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		number, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(number)
		if !ok || err != nil || n < 1 {
			return nil, invalidParameter("%s Reason: parameter %s is malformed", strings.TrimSuffix(prefix, ".entry."), name)
		}
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][field] = values[0]
	}

	out := make([]map[string]string, 0, len(byIndex))
	for n := 1; n <= len(byIndex); n++ {
		e, ok := byIndex[n]
		if !ok {
			return nil, invalidParameter("%s Reason: entry %d is missing", strings.TrimSuffix(prefix, ".entry."), n)
		}
		out = append(out, e)
	}
	return out, nil
}

// takeFault returns the first queued fault for action, removing it, or the
// fault set by FailAll.
func (s *Server) takeFault(action string) (*apiError, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for i, f := range s.faults {
		if f.Action == "" || f.Action == action {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return faultError(f), true
		}
	}
	if f := s.stickyFail; f != nil && (f.Action == "" || f.Action == action) {
		return faultError(*f), true
	}
	return nil, false
}

func faultError(f Fault) *apiError {
	status := f.Status
	if status == 0 {
		status = statusOf(f.Code)
	}
	message := f.Message
	if message == "" {
		message = "injected " + f.Code + " error"
	}
	return &apiError{Status: status, Code: f.Code, Message: message}
}

// InjectFaults queues faults. Each request takes the first queued fault that
// matches its action, and that fault is then used up.
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// FailAll makes every request that matches f's action fail with f, after
// the queued faults, until ClearFaults.
func (s *Server) FailAll(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stickyFail = &f
}

// ClearFaults removes the queued faults and the FailAll fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.stickyFail = nil
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeResult writes the <Action>Response document. result is a struct
// whose XMLName is <Action>Result, or nil for actions without a result.
func writeResult(w http.ResponseWriter, action string, result any) {
	type response struct {
		XMLName  xml.Name
		XMLNS    string           `xml:"xmlns,attr"`
		Result   any              `xml:",omitempty"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}
	writeXML(w, http.StatusOK, response{
		XMLName:  xml.Name{Local: action + "Response"},
		XMLNS:    xmlns,
		Result:   result,
		Metadata: responseMetadata{RequestID: newID()},
	})
}

func writeError(w http.ResponseWriter, e *apiError) {
	type errorBody struct {
		Type    string
		Code    string
		Message string
	}
	type errorResponse struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		XMLNS     string   `xml:"xmlns,attr"`
		Error     errorBody
		RequestID string `xml:"RequestId"`
	}
	kind := "Sender"
	if e.Status >= 500 {
		kind = "Receiver"
	}
	writeXML(w, e.Status, errorResponse{
		XMLNS:     xmlns,
		Error:     errorBody{Type: kind, Code: e.Code, Message: e.Message},
		RequestID: newID(),
	})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", newID())
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
