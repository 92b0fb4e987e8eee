// Package strictjson checks two things that encoding/json lets through
// silently. One is a key that matches a struct field only when case is
// ignored, such as "Customer_Id" or a Unicode case folding of it. The other
// is a key that appears twice in one object, where the last value would win. The HTTP API and the
// field policy loader use it, because in both a silently dropped value could
// change what the gate allows.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// KeyError reports a key that is repeated or not a field of the target.
type KeyError struct {
	// Path is the key with the keys of its parent objects, joined by dots,
	// such as "agent.ID".
	Path string
	// Repeated is true for a key that appears twice in one object, false
	// for a key that names no field.
	Repeated bool
}

func (e *KeyError) Error() string {
	if e.Repeated {
		return fmt.Sprintf("field %q appears twice: send each field once", e.Path)
	}
	return fmt.Sprintf("field %q is not part of this request: remove it, and check the case of field names", e.Path)
}

// CheckKeys returns a *KeyError for the first key of body that is repeated
// in its object, or that is not the exact JSON name of a field of the
// struct that v points to. Nested structs, slices and maps are checked too,
// but keys of maps only for repeats. A body that is not valid JSON passes,
// so that the decoder reports the syntax error with its position.
func CheckKeys(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	err := checkValue(dec, reflect.TypeOf(v), "")
	if _, ok := err.(*KeyError); ok {
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
			return &KeyError{Path: path + key, Repeated: true}
		}
		seen[key] = true

		var fieldType reflect.Type
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				return &KeyError{Path: path + key}
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
