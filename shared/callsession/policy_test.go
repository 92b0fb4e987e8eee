package callsession_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

func TestDefaultPolicyClasses(t *testing.T) {
	p := callsession.DefaultPolicy()

	tests := []struct {
		field string
		want  callsession.Class
	}{
		{"balance", callsession.ClassSensitive},
		{"latest_transactions", callsession.ClassSensitive},
		{"direct_debits", callsession.ClassSensitive},
		{"account_number", callsession.ClassSensitive},
		{"address", callsession.ClassSensitive},
		{"name_on_file", callsession.ClassPublic},
		{"card_status", callsession.ClassPublic},
		{"freeze_card", callsession.ClassEmergency},
		{"cancel_card", callsession.ClassEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			got, ok := p.Class(tt.field)
			if !ok {
				t.Fatalf("got field %q unknown, want class %q", tt.field, tt.want)
			}
			if got != tt.want {
				t.Errorf("got class %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultPolicyUnknownField(t *testing.T) {
	p := callsession.DefaultPolicy()

	for _, field := range []string{"shoe_size", "", "Balance", "balance "} {
		if c, ok := p.Class(field); ok {
			t.Errorf("field %q: got class %q, want unknown", field, c)
		}
	}
}

func TestDefaultPolicyFieldsSorted(t *testing.T) {
	fields := callsession.DefaultPolicy().Fields()

	if len(fields) == 0 {
		t.Fatalf("got no fields, want the shipped policy's fields")
	}
	if !slices.IsSorted(fields) {
		t.Errorf("got fields %v, want them sorted", fields)
	}
	for _, f := range fields {
		if err := callsession.ValidateFields([]string{f}); err != nil {
			t.Errorf("field %q: got %v, want a name that gate requests can use", f, err)
		}
	}
}

func TestLoadPolicyValid(t *testing.T) {
	p := loadPolicyFile(t, "valid.json")

	want := map[string]callsession.Class{
		"name_on_file":     callsession.ClassPublic,
		"mortgage_balance": callsession.ClassSensitive,
		"block_payments":   callsession.ClassEmergency,
	}
	for field, class := range want {
		got, ok := p.Class(field)
		if !ok || got != class {
			t.Errorf("field %q: got class %q (known %t), want %q", field, got, ok, class)
		}
	}
	// A replacement policy does not inherit the shipped fields.
	if c, ok := p.Class("balance"); ok {
		t.Errorf("field balance: got class %q, want unknown", c)
	}
	if got, want := p.Fields(), []string{"block_payments", "mortgage_balance", "name_on_file"}; !slices.Equal(got, want) {
		t.Errorf("got fields %v, want %v", got, want)
	}
}

func TestLoadPolicyRejects(t *testing.T) {
	tests := []struct {
		file     string
		wantText string // a part of the error that names the bad value
	}{
		{"unknown_class.json", `"secret"`},
		{"class_in_capitals.json", `"Sensitive"`},
		{"class_not_string.json", "could not be read"},
		{"bad_name.json", `"Direct-Debits"`},
		{"version_2.json", "version 2"},
		{"version_missing.json", "version 0"},
		{"unknown_key.json", "default_class"},
		{"empty_fields.json", "names no fields"},
		{"fields_missing.json", "names no fields"},
		{"not_json.json", "could not be read"},
		{"duplicate_field.json", `"fields.balance" appears twice`},
		{"two_objects.json", "data after the JSON object"},
		{"field_in_capitals_key.json", `"Fields"`},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "policy", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			p, err := callsession.LoadPolicy(f)
			if err == nil {
				t.Fatalf("got policy with fields %v, want an error", p.Fields())
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantText)
			}
		})
	}
}

func TestLoadPolicyFieldNames(t *testing.T) {
	tests := []struct {
		name    string
		field   string
		wantErr bool
	}{
		{"letters", "balance", false},
		{"digits and underscores", "card_2_status", false},
		{"longest", "a" + strings.Repeat("b", 63), false},
		{"too long", "a" + strings.Repeat("b", 64), true},
		{"empty", "", true},
		{"leading digit", "2fa", true},
		{"capital", "Balance", true},
		{"space", "direct debits", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"version": 1, "fields": {"` + tt.field + `": "sensitive"}}`

			_, err := callsession.LoadPolicy(strings.NewReader(doc))
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("got error %v, want error %t", err, tt.wantErr)
			}
		})
	}
}

func loadPolicyFile(t *testing.T, name string) *callsession.Policy {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "policy", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	p, err := callsession.LoadPolicy(f)
	if err != nil {
		t.Fatalf("got error %v, want the policy in %s to load", err, name)
	}
	return p
}
