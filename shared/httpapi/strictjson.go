package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/yourang/yourang/shared/callsession"
)

// checkKeys rejects what encoding/json lets through silently: a key that
// matches a field only when case is ignored (such as "Customer_Id", or a
// Unicode case folding of it), and a key that appears twice in one object,
// where the last value would win. v is the value the body decodes into. A
// body that is not valid JSON passes, so that Decode reports the syntax
// error with its position.
func checkKeys(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	err := checkValue(dec, reflect.TypeOf(v), "")
	if _, ok := err.(*callsession.Error); ok {
		return err
	}
	return nil
}

// checkValue walks one JSON value whose Go type is t, which may be nil for
// a value of no known shape.
func checkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}

	switch tok {
	case json.Delim('{'):
		return checkObject(dec, t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := checkValue(dec, elem, path); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

func checkObject(dec *json.Decoder, t reflect.Type, path string) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return callsession.Errorf(callsession.CodeInvalid, "field %q appears twice: send each field once", path+key)
		}
		seen[key] = true

		var fieldType reflect.Type
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				return callsession.Errorf(callsession.CodeInvalid, "field %q is not part of this request: remove it, and check the case of field names", path+key)
			}
			fieldType = ft
		}
		if err := checkValue(dec, fieldType, path+key+"."); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// jsonFields maps the exact JSON names of struct type t to their types, or
// returns nil when t is not a struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
