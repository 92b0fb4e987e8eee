package callsession

import (
	"errors"
	"fmt"
	"time"
)

// Code is the kind of a domain error. The HTTP layer maps each code to one
// status; adapters translate their own errors into these codes.
type Code string

// The error codes.
const (
	CodeInvalid         Code = "invalid"          // malformed or out-of-range input
	CodeUnauthenticated Code = "unauthenticated"  // no or invalid credentials
	CodeForbidden       Code = "forbidden"        // wrong kind of caller for the operation
	CodeNotFound        Code = "not_found"        // unknown session, or not the caller's
	CodeConflict        Code = "conflict"         // conflicts with a final answer or another write
	CodeGone            Code = "gone"             // the answer window is over
	CodeWrongMatchCode  Code = "wrong_match_code" // the typed match code does not match
	CodeRateLimited     Code = "rate_limited"     // push budget spent
	CodeUnavailable     Code = "unavailable"      // a dependency failed or timed out
	CodeTooLarge        Code = "too_large"        // request body over the limit
	CodeInternal        Code = "internal"         // a bug; details are logged, never returned
)

// Error is a domain error. Message is safe to show to the caller: it names
// the value that was wrong and what to do, and never carries internals.
type Error struct {
	Code    Code
	Message string
	// RetryAfter is set for CodeRateLimited: how long until the next call
	// start for the customer fits the budget.
	RetryAfter time.Duration
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted caller-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Unavailable wraps err, from a store or push channel, as CodeUnavailable
// with a message that names only the dependency.
func Unavailable(dependency string, err error) *Error {
	return &Error{Code: CodeUnavailable, Message: dependency + " is unavailable, try again shortly", Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// NotFound returns the error for an unknown call id. Stores return it, and
// the service returns it for a session that belongs to another customer, so
// that call ids cannot be probed.
func NotFound(callID string) *Error {
	return Errorf(CodeNotFound, "call session %q not found: check the call_id", callID)
}

// DeviceNotFound returns the error for a device id the customer has not
// registered.
func DeviceNotFound(deviceID string) *Error {
	return Errorf(CodeNotFound, "device %q not found: check the device_id", deviceID)
}
