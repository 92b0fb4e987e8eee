package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/yourang/yourang/shared/callsession"
)

// problemTypePrefix makes each problem type a stable URN per error code.
const problemTypePrefix = "urn:yourang:problem:"

// problem is an RFC 9457 problem details object, with the domain error code
// as an extension member so clients can branch without parsing the type.
type problem struct {
	Type      string           `json:"type"`
	Title     string           `json:"title"`
	Status    int              `json:"status"`
	Detail    string           `json:"detail"`
	Code      callsession.Code `json:"code"`
	CallID    string           `json:"call_id,omitempty"`
	Decisions []decisionJSON   `json:"decisions,omitempty"`
	// retryAfter is the Retry-After header in whole seconds, or 0.
	retryAfter int
}

// statusFor maps each domain error code to its HTTP status.
var statusFor = map[callsession.Code]int{
	callsession.CodeInvalid:         http.StatusBadRequest,
	callsession.CodeUnauthenticated: http.StatusUnauthorized,
	callsession.CodeForbidden:       http.StatusForbidden,
	callsession.CodeNotFound:        http.StatusNotFound,
	callsession.CodeConflict:        http.StatusConflict,
	callsession.CodeGone:            http.StatusGone,
	callsession.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	callsession.CodeWrongMatchCode:  http.StatusUnprocessableEntity,
	callsession.CodeRateLimited:     http.StatusTooManyRequests,
	callsession.CodeUnavailable:     http.StatusServiceUnavailable,
	callsession.CodeInternal:        http.StatusInternalServerError,
}

// writeError writes err as problem+json and logs it when it is not the
// caller's fault. decisions, when given, are included for gate errors so
// that a client sees every field denied.
func (a *API) writeError(ctx context.Context, w http.ResponseWriter, err error, decisions []callsession.Decision) {
	p := newProblem(err)
	for _, d := range decisions {
		p.Decisions = append(p.Decisions, toDecisionJSON(d))
	}
	if p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	if p.Status >= 500 {
		a.log.ErrorContext(ctx, "request failed", "status", p.Status, "code", string(p.Code), "err", err)
	}
	writeJSON(w, p.Status, "application/problem+json", p)
}

// newProblem maps err to its problem details. Only a *callsession.Error
// that is not internal lends its message; anything else gets a generic
// detail, so internals never reach a client.
func newProblem(err error) problem {
	code := callsession.ErrorCode(err)
	status, ok := statusFor[code]
	if !ok {
		code, status = callsession.CodeInternal, http.StatusInternalServerError
	}

	p := problem{
		Type:   problemTypePrefix + string(code),
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: "internal error: the request was not completed, try again later",
	}
	var e *callsession.Error
	if errors.As(err, &e) && code != callsession.CodeInternal {
		p.Detail = e.Message
		p.retryAfter = int(math.Ceil(e.RetryAfter.Seconds()))
	}
	return p
}

// Problem returns the HTTP status and the problem+json body that the API
// writes for err. Code outside the API, such as the Lambda handler for
// events it cannot pass on, uses it to answer in the same form.
func Problem(err error) (int, []byte) {
	p := newProblem(err)
	body, _ := json.Marshal(p) // a problem holds only strings and numbers
	return p.Status, body
}

// WriteProblem writes err as problem+json without logging, for handlers
// outside the API such as the local outbox route.
func WriteProblem(w http.ResponseWriter, err error) {
	p := newProblem(err)
	writeJSON(w, p.Status, "application/problem+json", p)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the handler's own response types are marshalled here, and they
		// hold no values that encoding/json rejects.
		slog.Error("encode response failed", "err", err)
		http.Error(w, `{"status":500}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
