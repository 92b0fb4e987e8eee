package callsession

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"

	"github.com/yourang/yourang/shared/strictjson"
)

// Class is the class of a field in the gate policy.
type Class string

// The field classes.
const (
	// ClassPublic fields are allowed for any existing session.
	ClassPublic Class = "public"
	// ClassSensitive fields are allowed only while the session is confirmed
	// and inside its access window.
	ClassSensitive Class = "sensitive"
	// ClassEmergency fields are actions such as freezing a card, allowed for
	// every existing session, even denied or expired ones.
	ClassEmergency Class = "emergency"
)

//go:embed fieldpolicy.json
var defaultPolicyJSON []byte

// Policy maps field names to classes. A field that the policy does not name
// is denied.
type Policy struct {
	fields map[string]Class
}

// fieldNamePattern is the shape of field names in policies and gate requests.
var fieldNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// DefaultPolicy returns the policy document that ships with the service.
func DefaultPolicy() *Policy {
	p, err := LoadPolicy(bytes.NewReader(defaultPolicyJSON))
	if err != nil {
		panic("embedded field policy is invalid: " + err.Error()) // caught by the package tests
	}
	return p
}

// LoadPolicy reads a policy document: {"version": 1, "fields": {"name":
// "public" | "sensitive" | "emergency"}}. It rejects unknown keys, unknown
// classes and malformed field names, so a typo cannot silently deny or allow.
func LoadPolicy(r io.Reader) (*Policy, error) {
	var doc struct {
		Version int               `json:"version"`
		Fields  map[string]string `json:"fields"`
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read field policy: %w", err)
	}
	// A repeated field name would let its last class win silently, so
	// the keys are checked before decoding.
	if err := strictjson.CheckKeys(data, &doc); err != nil {
		return nil, fmt.Errorf("field policy: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("field policy could not be read as {\"version\": 1, \"fields\": {...}}: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("field policy has data after the JSON object: keep one object in the file")
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("field policy version %d is not supported: use version 1", doc.Version)
	}
	if len(doc.Fields) == 0 {
		return nil, fmt.Errorf("field policy names no fields: add at least one under \"fields\"")
	}

	p := &Policy{fields: make(map[string]Class, len(doc.Fields))}
	for name, class := range doc.Fields {
		if !fieldNamePattern.MatchString(name) {
			return nil, fmt.Errorf("field policy names field %q: use lower-case letters, digits and underscores, up to 64 characters", name)
		}
		switch c := Class(class); c {
		case ClassPublic, ClassSensitive, ClassEmergency:
			p.fields[name] = c
		default:
			return nil, fmt.Errorf("field policy gives field %q the class %q: use public, sensitive or emergency", name, class)
		}
	}
	return p, nil
}

// Class returns the class of field and whether the policy names it.
func (p *Policy) Class(field string) (Class, bool) {
	c, ok := p.fields[field]
	return c, ok
}

// Fields returns the field names of the policy in sorted order.
func (p *Policy) Fields() []string {
	names := make([]string, 0, len(p.fields))
	for name := range p.fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
