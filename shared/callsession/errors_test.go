package callsession_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want callsession.Code
	}{
		{"nil", nil, ""},
		{"domain error", callsession.Errorf(callsession.CodeGone, "too late"), callsession.CodeGone},
		{"wrapped domain error", fmt.Errorf("answer: %w", callsession.NotFound("call_x")), callsession.CodeNotFound},
		{"unavailable", callsession.Unavailable("session store", errors.New("timeout")), callsession.CodeUnavailable},
		{"plain error", errors.New("boom"), callsession.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := callsession.ErrorCode(tt.err); got != tt.want {
				t.Errorf("got code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnavailableHidesCause(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:443: i/o timeout")

	err := callsession.Unavailable("session store", cause)

	if strings.Contains(err.Message, "10.0.0.7") {
		t.Errorf("got message %q, want the cause left out of it", err.Message)
	}
	if !strings.Contains(err.Message, "session store") {
		t.Errorf("got message %q, want it to name the session store", err.Message)
	}
	if !errors.Is(err, cause) {
		t.Errorf("got error %v, want it to wrap the cause for logs", err)
	}
	if !strings.Contains(err.Error(), cause.Error()) {
		t.Errorf("got Error() %q, want it to contain the cause", err.Error())
	}
}

func TestNotFoundMessages(t *testing.T) {
	if msg := callsession.NotFound("call_abc").Message; !strings.Contains(msg, `"call_abc"`) {
		t.Errorf("got message %q, want it to name the call id", msg)
	}
	if msg := callsession.DeviceNotFound("phone-a").Message; !strings.Contains(msg, `"phone-a"`) {
		t.Errorf("got message %q, want it to name the device id", msg)
	}
}
