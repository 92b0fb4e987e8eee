package callsession_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/yourang/yourang/shared/callsession"
)

func TestStartRequestValidate(t *testing.T) {
	valid := startRequest("pbx-7")
	with := func(change func(r *callsession.StartRequest)) callsession.StartRequest {
		r := valid
		change(&r)
		return r
	}

	tests := []struct {
		name     string
		req      callsession.StartRequest
		wantCode callsession.Code
		wantText string // a part of the message that names the bad value
	}{
		{"valid", valid, "", ""},
		{"all id characters", with(func(r *callsession.StartRequest) { r.CustomerID = "C0._:@+=-z" }), "", ""},
		{"longest id", with(func(r *callsession.StartRequest) { r.CallRef = strings.Repeat("a", 128) }), "", ""},
		{"longest display name", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = strings.Repeat("é", 64) }), "", ""},
		{"missing customer_id", with(func(r *callsession.StartRequest) { r.CustomerID = "" }), callsession.CodeInvalid, "customer_id is missing"},
		{"customer_id with slash", with(func(r *callsession.StartRequest) { r.CustomerID = "cust/1" }), callsession.CodeInvalid, `customer_id "cust/1"`},
		{"customer_id with space", with(func(r *callsession.StartRequest) { r.CustomerID = "cust 1" }), callsession.CodeInvalid, `customer_id "cust 1"`},
		{"customer_id starting with dash", with(func(r *callsession.StartRequest) { r.CustomerID = "-cust" }), callsession.CodeInvalid, `customer_id "-cust"`},
		{"missing call_ref", with(func(r *callsession.StartRequest) { r.CallRef = "" }), callsession.CodeInvalid, "call_ref is missing"},
		{"call_ref too long", with(func(r *callsession.StartRequest) { r.CallRef = strings.Repeat("a", 129) }), callsession.CodeInvalid, "call_ref"},
		{"call_ref not ascii", with(func(r *callsession.StartRequest) { r.CallRef = "pbx-é" }), callsession.CodeInvalid, `call_ref "pbx-é"`},
		{"missing agent id", with(func(r *callsession.StartRequest) { r.Agent.ID = "" }), callsession.CodeInvalid, "agent.id is missing"},
		{"agent id with newline", with(func(r *callsession.StartRequest) { r.Agent.ID = "agent\n42" }), callsession.CodeInvalid, "agent.id"},
		{"missing display name", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = "" }), callsession.CodeInvalid, "agent.display_name is missing"},
		{"display name too long", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = strings.Repeat("é", 65) }), callsession.CodeInvalid, "65 characters"},
		{"display name with newline", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = "Priya\nNorthbank" }), callsession.CodeInvalid, "control character"},
		{"display name with next line", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = "Priya\u0085Northbank" }), callsession.CodeInvalid, "control character"},
		{"display name with delete", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = "Priya\x7f" }), callsession.CodeInvalid, "control character"},
		{"display name not utf-8", with(func(r *callsession.StartRequest) { r.Agent.DisplayName = "Priya\xff" }), callsession.CodeInvalid, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			checkCode(t, err, tt.wantCode)
			if err == nil {
				return
			}
			if msg := domainError(t, err).Message; !strings.Contains(msg, tt.wantText) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantText)
			}
		})
	}
}

func TestAnswerRequestValidate(t *testing.T) {
	tests := []struct {
		name     string
		req      callsession.AnswerRequest
		digits   int
		wantCode callsession.Code
		wantText string
	}{
		{"confirm", confirm("42"), 2, "", ""},
		{"confirm leading zero", confirm("07"), 2, "", ""},
		{"confirm 6 digits", confirm("012345"), 6, "", ""},
		{"deny", deny(), 2, "", ""},
		{"missing call_id", callsession.AnswerRequest{Answer: callsession.AnswerDeny}, 2, callsession.CodeInvalid, "call_id is missing"},
		{"bad call_id", callsession.AnswerRequest{CallID: "call/1", Answer: callsession.AnswerDeny}, 2, callsession.CodeInvalid, `call_id "call/1"`},
		{"missing answer", callsession.AnswerRequest{CallID: "call_pending"}, 2, callsession.CodeInvalid, "answer is missing"},
		{"unknown answer", callsession.AnswerRequest{CallID: "call_pending", Answer: "yes"}, 2, callsession.CodeInvalid, `answer "yes"`},
		{"answer in capitals", callsession.AnswerRequest{CallID: "call_pending", Answer: "CONFIRM", MatchCode: "42"}, 2, callsession.CodeInvalid, `answer "CONFIRM"`},
		{"confirm without code", confirm(""), 2, callsession.CodeInvalid, "match_code is missing"},
		{"confirm with letters", confirm("4a"), 2, callsession.CodeInvalid, `match_code "4a"`},
		{"confirm with sign", confirm("-4"), 2, callsession.CodeInvalid, `match_code "-4"`},
		{"confirm with space", confirm(" 42"), 2, callsession.CodeInvalid, `match_code " 42"`},
		{"confirm too short", confirm("4"), 2, callsession.CodeInvalid, `match_code "4"`},
		{"confirm too long", confirm("421"), 2, callsession.CodeInvalid, `match_code "421"`},
		{"confirm 5 of 6 digits", confirm("01234"), 6, callsession.CodeInvalid, `match_code "01234"`},
		{"confirm 7 digits", confirm("0123456"), 6, callsession.CodeInvalid, `match_code "0123456"`},
		{"deny with code", callsession.AnswerRequest{CallID: "call_pending", Answer: callsession.AnswerDeny, MatchCode: "42"}, 2, callsession.CodeInvalid, "match_code must be left out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate(tt.digits)
			checkCode(t, err, tt.wantCode)
			if err == nil {
				return
			}
			if msg := domainError(t, err).Message; !strings.Contains(msg, tt.wantText) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantText)
			}
		})
	}
}

func TestValidateFields(t *testing.T) {
	maxFields := make([]string, callsession.MaxGateFields)
	for i := range maxFields {
		maxFields[i] = fmt.Sprintf("field_%d", i)
	}
	tooMany := append(append([]string(nil), maxFields...), "one_more")

	tests := []struct {
		name     string
		fields   []string
		wantCode callsession.Code
		wantText string
	}{
		{"one field", []string{"balance"}, "", ""},
		{"unknown but well formed", []string{"shoe_size"}, "", ""},
		{"maximum count", maxFields, "", ""},
		{"longest name", []string{"a" + strings.Repeat("b", 63)}, "", ""},
		{"nil", nil, callsession.CodeInvalid, "fields is empty"},
		{"empty", []string{}, callsession.CodeInvalid, "fields is empty"},
		{"too many", tooMany, callsession.CodeInvalid, "65 names"},
		{"name too long", []string{"balance", "a" + strings.Repeat("b", 64)}, callsession.CodeInvalid, "fields[1]"},
		{"capital letters", []string{"Balance"}, callsession.CodeInvalid, `fields[0] "Balance"`},
		{"leading digit", []string{"balance", "1balance"}, callsession.CodeInvalid, `fields[1] "1balance"`},
		{"leading underscore", []string{"_balance"}, callsession.CodeInvalid, `fields[0] "_balance"`},
		{"dash", []string{"direct-debits"}, callsession.CodeInvalid, `fields[0] "direct-debits"`},
		{"empty name", []string{""}, callsession.CodeInvalid, `fields[0] ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := callsession.ValidateFields(tt.fields)
			checkCode(t, err, tt.wantCode)
			if err == nil {
				return
			}
			if msg := domainError(t, err).Message; !strings.Contains(msg, tt.wantText) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantText)
			}
		})
	}
}

func TestValidateDevice(t *testing.T) {
	valid := callsession.Device{
		CustomerID: customerCaller.ID,
		DeviceID:   "iphone-15",
		Platform:   callsession.PlatformAPNS,
		Token:      "a1b2c3d4e5f6",
	}
	with := func(change func(d *callsession.Device)) callsession.Device {
		d := valid
		change(&d)
		return d
	}

	tests := []struct {
		name     string
		device   callsession.Device
		wantCode callsession.Code
		wantText string
	}{
		{"apns", valid, "", ""},
		{"apns sandbox", with(func(d *callsession.Device) { d.Platform = callsession.PlatformAPNSSandbox }), "", ""},
		{"gcm", with(func(d *callsession.Device) { d.Platform = callsession.PlatformGCM }), "", ""},
		{"longest token", with(func(d *callsession.Device) { d.Token = strings.Repeat("t", 4096) }), "", ""},
		{"fcm token characters", with(func(d *callsession.Device) { d.Token = "dXk3:APA91b-Hq_x~" }), "", ""},
		{"missing device_id", with(func(d *callsession.Device) { d.DeviceID = "" }), callsession.CodeInvalid, "device_id is missing"},
		{"bad device_id", with(func(d *callsession.Device) { d.DeviceID = "my phone" }), callsession.CodeInvalid, `device_id "my phone"`},
		{"missing platform", with(func(d *callsession.Device) { d.Platform = "" }), callsession.CodeInvalid, `platform ""`},
		{"unknown platform", with(func(d *callsession.Device) { d.Platform = "ADM" }), callsession.CodeInvalid, `platform "ADM"`},
		{"platform in lower case", with(func(d *callsession.Device) { d.Platform = "apns" }), callsession.CodeInvalid, `platform "apns"`},
		{"missing token", with(func(d *callsession.Device) { d.Token = "" }), callsession.CodeInvalid, "token is missing"},
		{"token too long", with(func(d *callsession.Device) { d.Token = strings.Repeat("t", 4097) }), callsession.CodeInvalid, "4097 bytes"},
		{"token with space", with(func(d *callsession.Device) { d.Token = "a1b2 c3d4" }), callsession.CodeInvalid, "printable ASCII"},
		{"token with newline", with(func(d *callsession.Device) { d.Token = "a1b2\nc3d4" }), callsession.CodeInvalid, "printable ASCII"},
		{"token not ascii", with(func(d *callsession.Device) { d.Token = "a1b2é" }), callsession.CodeInvalid, "printable ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := callsession.ValidateDevice(tt.device)
			checkCode(t, err, tt.wantCode)
			if err == nil {
				return
			}
			msg := domainError(t, err).Message
			if !strings.Contains(msg, tt.wantText) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantText)
			}
			if tt.device.Token != "" && strings.Contains(msg, tt.device.Token) {
				t.Errorf("got message %q, want the token left out of it", msg)
			}
		})
	}
}
