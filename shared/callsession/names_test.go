package callsession_test

import (
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

func TestDisplayNameRejectsInvisible(t *testing.T) {
	for _, name := range []string{
		"Hawa\u202eevil", // right-to-left override
		"Ha\u200bwa",     // zero-width space
		"\ufeffHawa",     // byte order mark
		"Hawa\u2028Bank", // line separator
		"Hawa\u2029Bank", // paragraph separator
		"Hawa \ufffd",    // replacement character from invalid input
		"   ",            // spaces only
		"Hawa\u0085",     // next line, a C1 control
	} {
		req := startRequest("pbx-name")
		req.Agent.DisplayName = name
		err := req.Validate()
		if callsession.ErrorCode(err) != callsession.CodeInvalid {
			t.Errorf("display name %q: got %v, want an invalid error", name, err)
		}
	}
}

func TestDisplayNameAcceptsPrintable(t *testing.T) {
	for _, name := range []string{"Hawa", "Zoë O'Brien-Łukasik", "李小龙", "Priya at Northbank (ext. 42)"} {
		req := startRequest("pbx-name")
		req.Agent.DisplayName = name
		if err := req.Validate(); err != nil {
			t.Errorf("display name %q: got %v, want no error", name, err)
		}
	}
}

func TestCustomerIDShapes(t *testing.T) {
	valid := []string{"cus_0001", "auth0|5f1c2a", "a", "user@bank.example", strings.Repeat("a", 128)}
	for _, id := range valid {
		if err := callsession.ValidateCustomerID(id); err != nil {
			t.Errorf("customer id %q: got %v, want valid", id, err)
		}
	}
	invalid := []string{"", "cus 1", "cus/1", "-cus", strings.Repeat("a", 129), "cüs"}
	for _, id := range invalid {
		if err := callsession.ValidateCustomerID(id); err == nil {
			t.Errorf("customer id %q: got no error, want invalid", id)
		}
	}
}

func TestInvalidIDMessageShortened(t *testing.T) {
	err := callsession.ValidateCustomerID(strings.Repeat("x", 500) + " ")
	if err == nil {
		t.Fatal("got no error for a 501-character id with a space")
	}
	if n := len(err.Error()); n > 400 {
		t.Errorf("error message is %d bytes long, want the id shortened: %s", n, err)
	}
}
