package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/strictjson"
)

// MaxBodyBytes is the largest request body accepted; larger ones get 413.
const MaxBodyBytes = 16 << 10

// decodeBody reads exactly one JSON object from r's body into v, rejecting
// unknown fields (matched with case), repeated fields, trailing data, empty
// bodies and bodies over MaxBodyBytes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return tooLarge()
		}
		return callsession.Errorf(callsession.CodeInvalid, "request body could not be read: send it again")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return callsession.Errorf(callsession.CodeInvalid, "request body is empty: send a JSON object")
	}

	if err := strictjson.CheckKeys(body, v); err != nil {
		return callsession.Errorf(callsession.CodeInvalid, "%s", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if dec.More() {
		return callsession.Errorf(callsession.CodeInvalid, "request body has data after the JSON object: send exactly one object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return callsession.Errorf(callsession.CodeInvalid, "request body has data after the JSON object: send exactly one object")
	}
	return nil
}

func tooLarge() error {
	return callsession.Errorf(callsession.CodeTooLarge, "request body is larger than %d bytes: send a smaller body", MaxBodyBytes)
}

// describeJSONError turns a decoding error into a message that names the
// offending field or position.
func describeJSONError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntaxErr):
		return callsession.Errorf(callsession.CodeInvalid, "request body is not valid JSON at byte %d: check the syntax", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return callsession.Errorf(callsession.CodeInvalid, "request body must be a JSON object, not %s", typeErr.Value)
		}
		return callsession.Errorf(callsession.CodeInvalid, "field %q must be %s, not %s", field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return callsession.Errorf(callsession.CodeInvalid, "request body ends before the JSON object is complete")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return callsession.Errorf(callsession.CodeInvalid, "field %s is not part of this request: remove it", name)
	}
	return callsession.Errorf(callsession.CodeInvalid, "request body is not valid: %s", fmt.Sprint(err))
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}
