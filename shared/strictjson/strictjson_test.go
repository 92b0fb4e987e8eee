package strictjson_test

import (
	"errors"
	"testing"

	"github.com/yourang/yourang/shared/strictjson"
)

type inner struct {
	ID string `json:"id"`
}

type target struct {
	Name   string            `json:"name"`
	Inner  *inner            `json:"inner"`
	List   []inner           `json:"list"`
	Labels map[string]string `json:"labels"`
	Skip   string            `json:"-"`
}

func TestCheckKeys(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantPath string // "" for no error
		repeated bool
	}{
		{"exact keys", `{"name": "a", "inner": {"id": "x"}, "list": [{"id": "y"}], "labels": {"Any-Case": "v"}}`, "", false},
		{"folded case", `{"Name": "a"}`, "Name", false},
		{"unicode folding", `{"nameſ": "a"}`, "nameſ", false},
		{"nested folded case", `{"inner": {"ID": "x"}}`, "inner.ID", false},
		{"inside a list", `{"list": [{"id": "y"}, {"Id": "z"}]}`, "list.Id", false},
		{"repeated key", `{"name": "a", "name": "b"}`, "name", true},
		{"repeated map key", `{"labels": {"k": "1", "k": "2"}}`, "labels.k", true},
		{"ignored field", `{"Skip": "x"}`, "Skip", false},
		{"invalid JSON passes", `{"name": `, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := strictjson.CheckKeys([]byte(tt.body), &target{})
			if tt.wantPath == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var ke *strictjson.KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("got %v, want a *KeyError", err)
			}
			if ke.Path != tt.wantPath {
				t.Errorf("path: got %q, want %q", ke.Path, tt.wantPath)
			}
			if ke.Repeated != tt.repeated {
				t.Errorf("repeated: got %v, want %v", ke.Repeated, tt.repeated)
			}
		})
	}
}
