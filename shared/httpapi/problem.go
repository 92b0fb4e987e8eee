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
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
	}
	for _, d := range decisions {
		p.Decisions = append(p.Decisions, toDecisionJSON(d))
	}

	if status >= 500 {
		a.log.ErrorContext(ctx, "request failed", "status", status, "code", string(code), "err", err)
	}
	writeJSON(w, status, "application/problem+json", p)
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
