// Package memstore is the embedded store of the local mode: a
// [callsession.Store] in memory, safe for concurrent use. Tests use it as the
// store fake, and the store contract tests hold it to the same rules as the
// DynamoDB store.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

var _ callsession.Store = (*Store)(nil)

// Store keeps sessions and devices in memory. Data is lost when the process
// stops.
type Store struct {
	mu       sync.Mutex
	sessions map[string]callsession.Session           // by call id; guarded by mu
	callRefs map[string]string                        // call_ref to call id; guarded by mu
	devices  map[string]map[string]callsession.Device // customer id, then device id; guarded by mu
}

// New returns an empty store.
func New() *Store {
	return &Store{
		sessions: make(map[string]callsession.Session),
		callRefs: make(map[string]string),
		devices:  make(map[string]map[string]callsession.Device),
	}
}

// StartSession implements [callsession.Store].
func (s *Store) StartSession(ctx context.Context, req callsession.StartRequest, since time.Time, plan func(callsession.CustomerState) (callsession.StartPlan, error)) (callsession.StartPlan, []callsession.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	var st callsession.CustomerState
	if id, ok := s.callRefs[req.CallRef]; ok {
		replay := s.sessions[id]
		st.Replay = &replay
	}
	for _, sess := range s.sessions {
		if sess.CustomerID != req.CustomerID {
			continue
		}
		if sess.Status == callsession.StatusPending && (st.Pending == nil || sess.StartedAt.After(st.Pending.StartedAt)) {
			pending := sess
			st.Pending = &pending
		}
		if !sess.StartedAt.Before(since) {
			st.RecentStarts = append(st.RecentStarts, sess.StartedAt)
		}
	}

	p, err := plan(st)
	if err != nil {
		return callsession.StartPlan{}, nil, err
	}
	if !p.Created {
		return p, nil, nil
	}

	if p.Supersede != "" {
		s.sessions[p.Supersede] = callsession.Supersede(s.sessions[p.Supersede], p.Session.CallID)
	}
	s.sessions[p.Session.CallID] = p.Session
	s.callRefs[p.Session.CallRef] = p.Session.CallID

	return p, s.deviceList(req.CustomerID), nil
}

// Session implements [callsession.Store].
func (s *Store) Session(ctx context.Context, callID string) (callsession.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[callID]
	if !ok {
		return callsession.Session{}, callsession.NotFound(callID)
	}
	return clone(sess), nil
}

// Answer implements [callsession.Store].
func (s *Store) Answer(ctx context.Context, req callsession.AnswerRequest, now time.Time, cfg callsession.Config) (callsession.AnswerResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[req.CallID]
	if !ok {
		return callsession.AnswerResult{}, callsession.NotFound(req.CallID)
	}
	res, err := callsession.ApplyAnswer(sess, req, now, cfg)
	if res.Changed {
		s.sessions[req.CallID] = res.Session
	}
	res.Session = clone(res.Session)
	return res, err
}

// Disclose implements [callsession.Store].
func (s *Store) Disclose(ctx context.Context, callID string, ds []callsession.Disclosure, now time.Time) (callsession.Session, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[callID]
	if !ok {
		return callsession.Session{}, false, callsession.NotFound(callID)
	}
	if !callsession.CanDisclose(sess, now) {
		return clone(sess), false, nil
	}
	for _, d := range ds {
		if slices.ContainsFunc(sess.Disclosures, func(old callsession.Disclosure) bool { return old.Field == d.Field }) {
			continue // the first disclosure of a field is kept
		}
		d.AgentID, d.AgentName = sess.Agent.ID, sess.Agent.DisplayName
		sess.Disclosures = append(sess.Disclosures, d)
	}
	// The order every store returns: by time, then by field.
	slices.SortStableFunc(sess.Disclosures, func(a, b callsession.Disclosure) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Field, b.Field))
	})
	s.sessions[callID] = sess
	return clone(sess), true, nil
}

// RecordPush implements [callsession.Store].
func (s *Store) RecordPush(ctx context.Context, callID string, o callsession.PushOutcome, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[callID]
	if !ok {
		return callsession.NotFound(callID)
	}
	sess.Push, sess.PushedAt = o, at
	s.sessions[callID] = sess
	return nil
}

// History implements [callsession.Store].
func (s *Store) History(ctx context.Context, customerID string, since time.Time, limit int) ([]callsession.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []callsession.Session
	for _, sess := range s.sessions {
		if sess.CustomerID == customerID && !sess.StartedAt.Before(since) {
			out = append(out, clone(sess))
		}
	}
	slices.SortFunc(out, func(a, b callsession.Session) int {
		return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(b.CallID, a.CallID))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Devices implements [callsession.Store].
func (s *Store) Devices(ctx context.Context, customerID string) ([]callsession.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deviceList(customerID), nil
}

func (s *Store) deviceList(customerID string) []callsession.Device {
	var out []callsession.Device
	for _, d := range s.devices[customerID] {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b callsession.Device) int { return cmp.Compare(a.DeviceID, b.DeviceID) })
	return out
}

// PutDevice implements [callsession.Store].
func (s *Store) PutDevice(ctx context.Context, d callsession.Device) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putDevice(d)
	return nil
}

func (s *Store) putDevice(d callsession.Device) {
	if s.devices[d.CustomerID] == nil {
		s.devices[d.CustomerID] = make(map[string]callsession.Device)
	}
	s.devices[d.CustomerID][d.DeviceID] = d
}

// DeleteDevice implements [callsession.Store].
func (s *Store) DeleteDevice(ctx context.Context, customerID, deviceID string) (callsession.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[customerID][deviceID]
	if !ok {
		return callsession.Device{}, callsession.DeviceNotFound(deviceID)
	}
	delete(s.devices[customerID], deviceID)
	return d, nil
}

// DisableDevice implements [callsession.Store].
func (s *Store) DisableDevice(ctx context.Context, d callsession.Device) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.devices[d.CustomerID][d.DeviceID]
	if !ok {
		return callsession.DeviceNotFound(d.DeviceID)
	}
	if stored.Token != d.Token {
		return nil // a newer registration replaced the disabled token
	}
	stored.Enabled = false
	s.devices[d.CustomerID][d.DeviceID] = stored
	return nil
}

// clone copies the disclosures so that callers cannot change stored state.
func clone(s callsession.Session) callsession.Session {
	s.Disclosures = slices.Clone(s.Disclosures)
	return s
}
