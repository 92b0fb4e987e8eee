package callsession

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// idPattern is the shape of customer ids, call refs, agent ids and device ids:
// printable ASCII without spaces or slashes, so they are safe in paths, keys
// and logs. The vertical bar is allowed because identity providers put it in
// the sub claim, as in "auth0|5f1c...".
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@+=|-]{0,127}$`)

// MaxGateFields is the maximum number of fields in one gate request.
const MaxGateFields = 64

// maxDisplayName is the maximum length of an agent display name in characters.
const maxDisplayName = 64

func validateID(name, value string) error {
	if value == "" {
		return Errorf(CodeInvalid, "%s is missing: provide a non-empty string", name)
	}
	if !idPattern.MatchString(value) {
		return Errorf(CodeInvalid, "%s %q is not valid: use up to 128 letters, digits and . _ : @ + = | -, starting with a letter or digit", name, shorten(value))
	}
	return nil
}

// ValidateCustomerID returns a CodeInvalid error unless id has the shape of
// a customer id. Authenticators use it on the ids they accept.
func ValidateCustomerID(id string) error {
	return validateID("customer id", id)
}

// shorten cuts a value echoed in an error message to 64 characters, so that
// a huge input does not make a huge response.
func shorten(value string) string {
	const max = 64
	if utf8.RuneCountInString(value) <= max {
		return value
	}
	return string([]rune(value)[:max]) + "…"
}

// Validate returns a CodeInvalid error naming the first invalid value.
func (r StartRequest) Validate() error {
	if err := validateID("customer_id", r.CustomerID); err != nil {
		return err
	}
	if err := validateID("call_ref", r.CallRef); err != nil {
		return err
	}
	if err := validateID("agent.id", r.Agent.ID); err != nil {
		return err
	}
	return validateDisplayName(r.Agent.DisplayName)
}

func validateDisplayName(name string) error {
	if strings.TrimSpace(name) == "" {
		return Errorf(CodeInvalid, "agent.display_name is missing: give the name the customer will see")
	}
	if !utf8.ValidString(name) {
		return Errorf(CodeInvalid, "agent.display_name is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > maxDisplayName {
		return Errorf(CodeInvalid, "agent.display_name is %d characters long: use at most %d", n, maxDisplayName)
	}
	for _, r := range name {
		if !displayable(r) {
			return Errorf(CodeInvalid, "agent.display_name contains the invisible or control character %U: use printable text", r)
		}
	}
	return nil
}

// displayable reports whether r may appear in a name on the customer's lock
// screen. Control characters, format characters such as the right-to-left
// override U+202E or the zero-width space U+200B, line and paragraph
// separators, and U+FFFD, which replaces invalid input, could hide or
// disguise the agent's name.
func displayable(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return false
	case r == utf8.RuneError:
		return false
	}
	return unicode.IsPrint(r) || r == ' '
}

// Validate returns a CodeInvalid error naming the first invalid value.
// digits is the configured match code length, and a confirm must carry
// exactly that many digits.
func (r AnswerRequest) Validate(digits int) error {
	if err := validateID("call_id", r.CallID); err != nil {
		return err
	}
	switch r.Answer {
	case AnswerDeny:
		if r.MatchCode != "" {
			return Errorf(CodeInvalid, "match_code must be left out of a \"deny\" answer")
		}
		return nil
	case AnswerConfirm:
		if r.MatchCode == "" {
			return Errorf(CodeInvalid, "match_code is missing: a \"confirm\" answer needs the code the agent read out")
		}
		if !isDigits(r.MatchCode) || len(r.MatchCode) != digits {
			return Errorf(CodeInvalid, "match_code %q is not valid: type the %d digits the agent read out", r.MatchCode, digits)
		}
		return nil
	case "":
		return Errorf(CodeInvalid, "answer is missing: use \"confirm\" or \"deny\"")
	}
	return Errorf(CodeInvalid, "answer %q is not valid: use \"confirm\" or \"deny\"", r.Answer)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ValidateFields returns a CodeInvalid error naming the first malformed field
// name. Well-formed names that the policy does not know are not an error:
// the gate denies them with ReasonUnknownField.
func ValidateFields(fields []string) error {
	if len(fields) == 0 {
		return Errorf(CodeInvalid, "fields is empty: list at least one field name")
	}
	if len(fields) > MaxGateFields {
		return Errorf(CodeInvalid, "fields lists %d names: ask for at most %d per request", len(fields), MaxGateFields)
	}
	for i, f := range fields {
		if !fieldNamePattern.MatchString(f) {
			return Errorf(CodeInvalid, "fields[%d] %q is not a field name: use lower-case letters, digits and underscores, up to 64 characters", i, f)
		}
	}
	return nil
}

// ValidateDevice returns a CodeInvalid error naming the first invalid value.
func ValidateDevice(d Device) error {
	if err := validateID("device_id", d.DeviceID); err != nil {
		return err
	}
	if !d.Platform.Valid() {
		return Errorf(CodeInvalid, "platform %q is not supported: use APNS, APNS_SANDBOX or GCM", d.Platform)
	}
	if d.Token == "" {
		return Errorf(CodeInvalid, "token is missing: send the push token from APNs or FCM")
	}
	if len(d.Token) > 4096 {
		return Errorf(CodeInvalid, "token is %d bytes long: push tokens are at most 4096 bytes", len(d.Token))
	}
	for _, r := range d.Token {
		if r <= 0x20 || r >= 0x7f {
			return Errorf(CodeInvalid, "token contains a character outside printable ASCII: send the token as APNs or FCM gave it")
		}
	}
	return nil
}
