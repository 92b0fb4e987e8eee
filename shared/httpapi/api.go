package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/yourang/yourang/shared/callsession"
)

// Authenticator returns the caller behind a request: the zero Caller when the
// request carries no credentials, and an error when its credentials are
// invalid.
type Authenticator interface {
	Authenticate(r *http.Request) (callsession.Caller, error)
}

// Group is a set of routes served by one Lambda function.
type Group string

// The route groups. The local mode serves them all.
const (
	// GroupCallStart: POST /v1/calls and GET /v1/calls/{call_id}.
	GroupCallStart Group = "callstart"
	// GroupRespond: POST /v1/calls/{call_id}/response and GET /v1/me/calls.
	GroupRespond Group = "respond"
	// GroupGate: POST /v1/calls/{call_id}/gate.
	GroupGate Group = "gate"
	// GroupDevices: PUT and DELETE /v1/me/devices/{device_id}.
	GroupDevices Group = "devices"
)

// AllGroups lists every route group.
var AllGroups = []Group{GroupCallStart, GroupRespond, GroupGate, GroupDevices}

// API is the HTTP handler of the API.
type API struct {
	svc  *callsession.Service
	auth Authenticator
	log  *slog.Logger
	mux  *http.ServeMux
}

// Option configures an API.
type Option func(*options)

type options struct {
	groups []Group
	log    *slog.Logger
	extra  map[string]http.Handler
}

// WithGroups limits the API to the given route groups.
func WithGroups(groups ...Group) Option { return func(o *options) { o.groups = groups } }

// WithLogger sets the logger for failed requests.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithHandler adds a handler for a ServeMux pattern, such as the local
// outbox route that exists only in the local mode.
func WithHandler(pattern string, h http.Handler) Option {
	return func(o *options) { o.extra[pattern] = h }
}

// New returns the API for svc, authenticating callers with auth.
func New(svc *callsession.Service, auth Authenticator, opts ...Option) *API {
	o := options{groups: AllGroups, log: slog.Default(), extra: map[string]http.Handler{}}
	for _, opt := range opts {
		opt(&o)
	}

	a := &API{svc: svc, auth: auth, log: o.log, mux: http.NewServeMux()}
	a.routes(o.groups)
	for pattern, h := range o.extra {
		a.mux.Handle(pattern, h)
	}
	a.mux.HandleFunc("/", a.noRoute)
	return a
}

// ServeHTTP implements http.Handler. A path with an empty, "." or ".."
// segment, such as /v1/calls//gate, gets 404: ServeMux would redirect it to
// the cleaned path, which names another route.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isCleanPath(r.URL.EscapedPath()) {
		a.noRoute(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

func (a *API) noRoute(w http.ResponseWriter, r *http.Request) {
	a.writeError(r.Context(), w, callsession.Errorf(callsession.CodeNotFound, "no route for %s %s: see the API reference in docs/api.md", r.Method, r.URL.Path), nil)
}

// isCleanPath reports whether p is rooted and path.Clean leaves it unchanged,
// apart from a trailing slash.
func isCleanPath(p string) bool {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return strings.HasPrefix(p, "/") && clean == p
}

// handlerFunc is a route handler that runs after the caller is authenticated
// and of the route's kind.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c callsession.Caller) error

// route binds methods on one path to handlers for one kind of caller.
type route struct {
	kind    callsession.CallerKind
	methods map[string]handlerFunc
}

func (a *API) routes(groups []Group) {
	agentCalls := map[string]handlerFunc{}
	agentCall := map[string]handlerFunc{}
	if slices.Contains(groups, GroupCallStart) {
		agentCalls[http.MethodPost] = a.startCall
		agentCall[http.MethodGet] = a.getCall
	}
	a.handle("/v1/calls", callsession.CallerAgent, agentCalls)
	a.handle("/v1/calls/{call_id}", callsession.CallerAgent, agentCall)

	if slices.Contains(groups, GroupGate) {
		a.handle("/v1/calls/{call_id}/gate", callsession.CallerAgent, map[string]handlerFunc{http.MethodPost: a.gate})
	}
	if slices.Contains(groups, GroupRespond) {
		a.handle("/v1/calls/{call_id}/response", callsession.CallerCustomer, map[string]handlerFunc{http.MethodPost: a.respond})
		a.handle("/v1/me/calls", callsession.CallerCustomer, map[string]handlerFunc{http.MethodGet: a.history})
	}
	if slices.Contains(groups, GroupDevices) {
		a.handle("/v1/me/devices/{device_id}", callsession.CallerCustomer, map[string]handlerFunc{
			http.MethodPut:    a.putDevice,
			http.MethodDelete: a.deleteDevice,
		})
	}
}

// handle registers a path whose methods all need a caller of kind. It checks
// in this order: the method exists (405), the caller is authenticated (401),
// the caller is of the route's kind (403); then the handler runs.
func (a *API) handle(pattern string, kind callsession.CallerKind, methods map[string]handlerFunc) {
	if len(methods) == 0 {
		return
	}
	rt := route{kind: kind, methods: methods}
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		h, ok := rt.methods[r.Method]
		if !ok {
			a.methodNotAllowed(ctx, w, r, rt)
			return
		}

		c, err := a.auth.Authenticate(r)
		if err == nil && c.ID == "" {
			err = callsession.Errorf(callsession.CodeUnauthenticated, "credentials are missing: sign the request as an agent tool or send the customer's token")
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", "Bearer")
			a.writeError(ctx, w, err, nil)
			return
		}
		if c.Kind != rt.kind {
			a.writeError(ctx, w, callsession.Errorf(callsession.CodeForbidden, "%s %s is for %s callers, and the credentials belong to %s", r.Method, pattern, rt.kind, withArticle(c.Kind)), nil)
			return
		}

		if err := h(w, r, c); err != nil {
			a.writeError(ctx, w, err, nil)
		}
	})
}

func (a *API) methodNotAllowed(ctx context.Context, w http.ResponseWriter, r *http.Request, rt route) {
	allowed := make([]string, 0, len(rt.methods))
	for m := range rt.methods {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	for _, m := range allowed {
		w.Header().Add("Allow", m)
	}
	p := problem{
		Type:   problemTypePrefix + "method_not_allowed",
		Title:  http.StatusText(http.StatusMethodNotAllowed),
		Status: http.StatusMethodNotAllowed,
		Code:   "method_not_allowed",
		Detail: "method " + r.Method + " is not allowed on " + r.URL.Path + ": see the Allow header",
	}
	writeJSON(w, http.StatusMethodNotAllowed, "application/problem+json", p)
}

// withArticle returns "an agent" or "a customer".
func withArticle(k callsession.CallerKind) string {
	if strings.HasPrefix(string(k), "a") {
		return "an " + string(k)
	}
	return "a " + string(k)
}
