package callsession_test

import (
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

func TestNewCallID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := callsession.NewCallID()

		if !strings.HasPrefix(id, "call_") {
			t.Fatalf("got call id %q, want the prefix call_", id)
		}
		if len(id) != len("call_")+26 {
			t.Fatalf("got call id %q of length %d, want %d", id, len(id), len("call_")+26)
		}
		if strings.Trim(id[len("call_"):], "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("got call id %q, want lower-case base32 after the prefix", id)
		}
		// AnswerRequest.Validate checks call ids, so every new id must pass it.
		req := callsession.AnswerRequest{CallID: id, Answer: callsession.AnswerDeny}
		if err := req.Validate(2); err != nil {
			t.Fatalf("got error %v for call id %q, want it valid", err, id)
		}
		if seen[id] {
			t.Fatalf("got call id %q twice, want unique ids", id)
		}
		seen[id] = true
	}
}

func TestNewMatchCodeLeadingZeros(t *testing.T) {
	// With 2 digits, 1 code in 10 starts with 0, so 1000 draws without one
	// have a probability of 0.9^1000, below 1e-45.
	for range 1000 {
		if code := callsession.NewMatchCode(2); code[0] == '0' {
			return
		}
	}
	t.Errorf("got no match code with a leading zero in 1000 draws, want codes from 00 to 99")
}
