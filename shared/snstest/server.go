// Package snstest is an SNS stand-in for tests: an HTTP server on the
// loopback interface that speaks the SNS query protocol (form-encoded
// requests, XML responses) as the aws-sdk-go-v2 SNS client sends and reads
// it. It keeps platform applications, platform endpoints and topics, records
// every request with its decoded parameters, and lets a test make endpoints
// disabled or deleted and queue errors such as throttling.
//
// It covers the actions the push adapter uses: CreatePlatformEndpoint,
// GetEndpointAttributes, SetEndpointAttributes, DeleteEndpoint and Publish.
// Other actions are rejected with InvalidAction. It delivers nothing: a test
// reads accepted publishes with [Server.Published].
package snstest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// The account, region and API version of the server. ARNs that the server
// makes use Region and AccountID.
const (
	Region     = "us-east-1"
	AccountID  = "123456789012"
	APIVersion = "2010-03-31"
)

// The names of the platform applications and the topic that every server
// starts with.
const (
	DefaultAppName   = "yourang"
	DefaultTopicName = "yourang-fraud-alerts"
)

// Platforms are the platform names that the server has applications for.
var Platforms = []string{"APNS", "APNS_SANDBOX", "GCM"}

// Server is an SNS stand-in. Its methods are safe for concurrent use with
// the requests it serves.
type Server struct {
	// URL is the base URL to set as the SNS client's BaseEndpoint, such as
	// http://127.0.0.1:41234.
	URL string

	http     *http.Server
	listener net.Listener
	done     chan struct{}
	serveErr error // set before done is closed

	mu         sync.Mutex
	apps       map[string]string    // application ARN to platform; guarded by mu
	topics     map[string]bool      // topic ARNs; guarded by mu
	endpoints  map[string]*Endpoint // by ARN; guarded by mu
	requests   []Request            // guarded by mu
	published  []Message            // guarded by mu
	faults     []Fault              // served first to last; guarded by mu
	stickyFail *Fault               // served to every matching request; guarded by mu
}

// New starts a server on 127.0.0.1 with a free port and closes it when the
// test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("start SNS test server: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("SNS test server: %v", err)
		}
	})
	return s
}

// Start starts a server listening on addr, which must be a loopback address
// such as "127.0.0.1:0" (any free port) or "127.0.0.1:9911". Use it to run the
// server for another process, such as a Lambda bootstrap under the runtime
// emulator, and pass it s.URL. Call Close to stop it.
func Start(addr string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q is invalid: use host:port, such as 127.0.0.1:0", addr)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q is not a loopback IP: use 127.0.0.1 or ::1", addr)
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}

	s := newServer()
	s.listener = listener
	s.URL = "http://" + listener.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = err
		}
	}()
	return s, nil
}

// NewHandler returns a server that is not listening, for a test that mounts
// it as an http.Handler itself. Its URL is empty.
func NewHandler() *Server {
	return newServer()
}

func newServer() *Server {
	s := &Server{
		done:      make(chan struct{}),
		apps:      make(map[string]string),
		topics:    make(map[string]bool),
		endpoints: make(map[string]*Endpoint),
	}
	for _, p := range Platforms {
		s.AddPlatformApplication(p, DefaultAppName)
	}
	s.AddTopic(DefaultTopicName)
	return s
}

// Close stops the server and waits until it has stopped serving. It returns
// the error that stopped the server earlier, if the listener failed.
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	_ = s.http.Close()
	<-s.done
	return s.serveErr
}

// AddPlatformApplication creates a platform application and returns its ARN,
// arn:aws:sns:<region>:<account>:app/<platform>/<name>.
func (s *Server) AddPlatformApplication(platform, name string) string {
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:app/%s/%s", Region, AccountID, platform, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[arn] = platform
	return arn
}

// ApplicationARN returns the ARN of the default application of platform.
func (s *Server) ApplicationARN(platform string) string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:app/%s/%s", Region, AccountID, platform, DefaultAppName)
}

// AddTopic creates a topic and returns its ARN.
func (s *Server) AddTopic(name string) string {
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, AccountID, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topics[arn] = true
	return arn
}

// TopicARN returns the ARN of the default topic.
func (s *Server) TopicARN() string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, AccountID, DefaultTopicName)
}

// newID returns a random id in the 8-4-4-4-12 hex shape of SNS endpoint and
// message ids.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Requests returns every request served so far, oldest first, including the
// rejected ones.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// RequestsFor returns the requests of one action, oldest first.
func (s *Server) RequestsFor(action string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// Published returns the accepted publishes, oldest first.
func (s *Server) Published() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.published))
	for i, m := range s.published {
		out[i] = m.clone()
	}
	return out
}

// ResetRequests clears the recorded requests and publishes, keeping the
// applications, topics and endpoints.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.published = nil
}

// record appends r to the request log.
func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Seq = len(s.requests) + 1
	s.requests = append(s.requests, r)
}

// cloneValues returns a deep copy of v.
func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
