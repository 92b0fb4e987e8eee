package callsession

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// pushTimeout bounds each call to the push service: one publish to one
// device, a fraud alert, or a device registration, so that a push service
// that stops answering cannot hold a request until the Lambda timeout.
const pushTimeout = 5 * time.Second

// DefaultStoreTimeout bounds each store operation of a request, so that a
// store that stops answering gives a prompt denial instead of a hung gate.
// It stays under the gate function's Lambda timeout of 5 seconds.
const DefaultStoreTimeout = 3 * time.Second

// Service runs the call session operations on a Store and a Pusher. It checks
// who may do what, validates input, and keeps every failure of a dependency a
// denial.
type Service struct {
	store   Store
	pusher  Pusher
	policy  *Policy
	cfg     Config
	clock   Clock
	log     *slog.Logger
	metrics Metrics
	// storeTimeout bounds each store operation.
	storeTimeout time.Duration
}

// Option configures a Service.
type Option func(*Service)

// WithPusher sets the push channel; required for call starts, answers and
// device registration.
func WithPusher(p Pusher) Option { return func(s *Service) { s.pusher = p } }

// WithPolicy replaces the default field policy.
func WithPolicy(p *Policy) Option { return func(s *Service) { s.policy = p } }

// WithClock replaces the system clock.
func WithClock(c Clock) Option { return func(s *Service) { s.clock = c } }

// WithLogger sets the logger for errors that are handled and not returned.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithStoreTimeout replaces DefaultStoreTimeout.
func WithStoreTimeout(d time.Duration) Option { return func(s *Service) { s.storeTimeout = d } }

// storeContext returns ctx bounded by the store timeout.
func (s *Service) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.storeTimeout)
}

// NewService returns a Service on store with cfg, which must be valid.
func NewService(store Store, cfg Config, opts ...Option) *Service {
	s := &Service{
		store:        store,
		cfg:          cfg,
		policy:       DefaultPolicy(),
		clock:        SystemClock{},
		log:          slog.Default(),
		metrics:      noMetrics{},
		storeTimeout: DefaultStoreTimeout,
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Policy returns the service's field policy.
func (s *Service) Policy() *Policy { return s.policy }

// StartResult is the outcome of a call start.
type StartResult struct {
	Session Session
	// Created is false when the call_ref was seen before and the earlier
	// session is returned.
	Created bool
}

// Start starts a call session for an agent and pushes the prompt to the
// customer's enabled devices. A failed push does not fail the start: the
// outcome counts it.
func (s *Service) Start(ctx context.Context, c Caller, req StartRequest) (StartResult, error) {
	if err := c.require(CallerAgent); err != nil {
		return StartResult{}, err
	}
	if err := req.Validate(); err != nil {
		return StartResult{}, err
	}
	if s.pusher == nil {
		return StartResult{}, &Error{Code: CodeInternal, Message: "internal error", Err: errors.New("service has no pusher")}
	}

	now := s.clock.Now()
	var state CustomerState
	storeCtx, cancel := s.storeContext(ctx)
	defer cancel()
	plan, devices, err := s.store.StartSession(storeCtx, req, now.Add(-s.cfg.PushBudgetPeriod), func(st CustomerState) (StartPlan, error) {
		state = st
		return PlanStart(st, req, now, s.cfg)
	})
	if err != nil {
		return StartResult{}, err
	}
	if !plan.Created {
		res := StartResult{Session: plan.Session}
		s.recordStart(res, plan, state, now)
		return res, nil
	}

	sess := plan.Session
	sess.Push = s.pushAll(ctx, sess, devices)
	sess.PushedAt = s.clock.Now()
	recordCtx, cancelRecord := s.storeContext(ctx)
	defer cancelRecord()
	if err := s.store.RecordPush(recordCtx, sess.CallID, sess.Push, sess.PushedAt); err != nil {
		// The session exists and the pushes went out; only the counts on the
		// agent's later reads are missing.
		s.log.ErrorContext(ctx, "record push outcome failed", "call_id", sess.CallID, "err", err)
	}
	res := StartResult{Session: sess, Created: true}
	s.recordStart(res, plan, state, now)
	return res, nil
}

// pushAll publishes to every enabled device at once and counts the outcome.
func (s *Service) pushAll(ctx context.Context, sess Session, devices []Device) PushOutcome {
	n := Notification{
		CallID:    sess.CallID,
		AgentName: sess.Agent.DisplayName,
		StartedAt: sess.StartedAt,
		AnswerBy:  sess.AnswerBy,
		TTL:       s.cfg.AnswerWindow,
	}

	var (
		mu  sync.Mutex
		out PushOutcome
		wg  sync.WaitGroup
	)
	// Two device records can share an endpoint after a reinstall took the
	// endpoint over; the phone gets the prompt once.
	endpoints := map[string]bool{}
	for _, d := range devices {
		if !d.Enabled || (d.EndpointARN != "" && endpoints[d.EndpointARN]) {
			continue
		}
		endpoints[d.EndpointARN] = true
		out.Devices++
		wg.Go(func() {
			err := s.pushOne(ctx, d, n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out.Failed++
				return
			}
			out.Sent++
		})
	}
	wg.Wait()
	return out
}

func (s *Service) pushOne(ctx context.Context, d Device, n Notification) error {
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()

	err := s.pusher.Notify(ctx, d, n)
	if err == nil {
		return nil
	}
	log := s.log.With("call_id", n.CallID, "customer_id", d.CustomerID, "device_id", d.DeviceID)
	if !errors.Is(err, ErrEndpointDisabled) {
		log.WarnContext(ctx, "push failed", "err", err)
		return err
	}
	log.InfoContext(ctx, "push endpoint disabled, marking device disabled", "err", err)
	// The push's context may be nearly spent, so the write gets its own.
	storeCtx, cancel := s.storeContext(context.WithoutCancel(ctx))
	defer cancel()
	if derr := s.store.DisableDevice(storeCtx, d); derr != nil {
		log.ErrorContext(ctx, "mark device disabled failed", "err", derr)
	}
	return err
}

// Session returns a session for an agent.
func (s *Service) Session(ctx context.Context, c Caller, callID string) (Session, error) {
	if err := c.require(CallerAgent); err != nil {
		return Session{}, err
	}
	if err := validateID("call_id", callID); err != nil {
		return Session{}, err
	}
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	return s.store.Session(ctx, callID)
}

// Answer records a customer's answer. When the answer makes the session
// denied, the fraud team is alerted.
func (s *Service) Answer(ctx context.Context, c Caller, req AnswerRequest) (AnswerResult, error) {
	if err := c.require(CallerCustomer); err != nil {
		return AnswerResult{}, err
	}
	req.CustomerID = c.ID
	if err := req.Validate(s.cfg.MatchCodeDigits); err != nil {
		return AnswerResult{}, err
	}

	storeCtx, cancel := s.storeContext(ctx)
	defer cancel()
	res, err := s.store.Answer(storeCtx, req, s.clock.Now(), s.cfg)
	s.recordAnswer(res)
	if !needsFraudAlert(req, res, err) {
		return res, err
	}
	alertErr := s.alertFraud(ctx, res.Session)
	switch {
	case alertErr == nil:
		return res, err
	case err == nil:
		return res, alertErr
	default:
		// The last wrong match code denied the session and its alert
		// failed. A repeated confirm would be a conflict, so the message asks
		// the app to send "deny", which publishes the alert again.
		return res, &Error{
			Code: CodeUnavailable,
			Message: "the match code was wrong too often and the session is now denied, but the alert to the bank's " +
				"fraud team failed: send the answer \"deny\" to make sure it is sent",
			Err: errors.Join(err, alertErr),
		}
	}
}

// needsFraudAlert reports whether an answer publishes the fraud alert: when
// it made the session denied, and again on every repeated "deny" of a denied
// session. Delivery is at least once. A customer whose first deny got a 503
// because the alert failed sends it again, and the alert then reaches the
// fraud team, which deduplicates by call id.
func needsFraudAlert(req AnswerRequest, res AnswerResult, err error) bool {
	if res.Denied && res.Changed {
		return true
	}
	return err == nil && req.Answer == AnswerDeny && res.Session.Status == StatusDenied
}

// alertFraud publishes the fraud alert for sess, bounded by pushTimeout. The
// answer is already stored when it runs, so a failure returns an
// unavailable error that tells the customer to send the answer again.
func (s *Service) alertFraud(ctx context.Context, sess Session) error {
	if s.pusher == nil {
		s.log.ErrorContext(ctx, "fraud alert not sent: service has no pusher", "call_id", sess.CallID)
		return &Error{Code: CodeInternal, Message: "internal error", Err: errors.New("service has no pusher")}
	}
	a := FraudAlert{
		CallID:     sess.CallID,
		CustomerID: sess.CustomerID,
		AgentID:    sess.Agent.ID,
		CallRef:    sess.CallRef,
		Reason:     sess.Ended,
		At:         sess.AnsweredAt,
	}

	// The error is returned, not logged: the API logs every 503 once.
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	if err := s.pusher.AlertFraud(ctx, a); err != nil {
		return &Error{
			Code:    CodeUnavailable,
			Message: "the answer is recorded, but the alert to the bank's fraud team failed: send the same answer again",
			Err:     err,
		}
	}
	return nil
}

// GateResult is the gate's answer for one request.
type GateResult struct {
	Session Session
	// Status is the session's status at the time the decisions were made.
	Status    Status
	Decisions []Decision
}

// Gate decides, per field, whether the agent may read it on the session. Any
// store error denies every field with ReasonUnavailable and is returned
// alongside those decisions.
func (s *Service) Gate(ctx context.Context, c Caller, callID string, fields []string) (GateResult, error) {
	if err := c.require(CallerAgent); err != nil {
		return GateResult{}, err
	}
	if err := validateID("call_id", callID); err != nil {
		return GateResult{}, err
	}
	if err := ValidateFields(fields); err != nil {
		return GateResult{}, err
	}

	// A field asked for twice is decided twice but disclosed, and recorded,
	// once.
	var sensitive []string
	for _, f := range fields {
		if cl, ok := s.policy.Class(f); ok && cl == ClassSensitive && !slices.Contains(sensitive, f) {
			sensitive = append(sensitive, f)
		}
	}

	now := s.clock.Now()
	sess, disclosed, err := s.readForGate(ctx, c, callID, sensitive, now)
	if err != nil {
		if ErrorCode(err) == CodeNotFound {
			return GateResult{}, err
		}
		res := GateResult{Decisions: DenyAll(fields)}
		s.recordGate(res.Decisions)
		return res, err
	}

	res := GateResult{Session: sess, Status: sess.StatusAt(now), Decisions: make([]Decision, len(fields))}
	for i, f := range fields {
		cl, known := s.policy.Class(f)
		res.Decisions[i] = Decide(f, cl, known, sess, now, disclosed)
	}
	s.recordGate(res.Decisions)
	return res, nil
}

// readForGate reads the session, recording the disclosure of the sensitive
// fields in the same atomic step when there are any.
func (s *Service) readForGate(ctx context.Context, c Caller, callID string, sensitive []string, now time.Time) (Session, bool, error) {
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	if len(sensitive) == 0 {
		sess, err := s.store.Session(ctx, callID)
		return sess, false, err
	}

	// The agent's name is only known from the session, so the store fills
	// AgentID and AgentName in from the session it reads.
	ds := make([]Disclosure, len(sensitive))
	for i, f := range sensitive {
		ds[i] = Disclosure{Field: f, Principal: c.ID, At: now}
	}
	return s.store.Disclose(ctx, callID, ds, now)
}

// MaxHistory is the number of sessions History returns at most, newest
// first. It keeps the response well under the 6 MB payload limit of Lambda,
// even for the 10,800 starts that 90 days of a spent push budget allow.
const MaxHistory = 200

// History returns the customer's newest sessions within the retention
// period, at most MaxHistory, newest first.
func (s *Service) History(ctx context.Context, c Caller) ([]Session, error) {
	if err := c.require(CallerCustomer); err != nil {
		return nil, err
	}
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	// NOTE: older sessions than the newest MaxHistory are not reachable
	// through the API; a paged history would need a cursor.
	return s.store.History(ctx, c.ID, s.clock.Now().Add(-s.cfg.Retention), MaxHistory)
}

// Now returns the service clock's current time, for rendering statuses.
func (s *Service) Now() time.Time { return s.clock.Now() }

// RegisterDevice creates or refreshes the customer's device and its push
// endpoint.
func (s *Service) RegisterDevice(ctx context.Context, c Caller, d Device) (Device, error) {
	if err := c.require(CallerCustomer); err != nil {
		return Device{}, err
	}
	d.CustomerID = c.ID
	if err := ValidateDevice(d); err != nil {
		return Device{}, err
	}
	if s.pusher == nil {
		return Device{}, &Error{Code: CodeInternal, Message: "internal error", Err: errors.New("service has no pusher")}
	}

	pushCtx, cancelPush := context.WithTimeout(ctx, pushTimeout)
	defer cancelPush()
	arn, err := s.pusher.Register(pushCtx, d)
	if err != nil {
		return Device{}, err
	}
	d.EndpointARN = arn
	d.Enabled = true
	d.UpdatedAt = s.clock.Now()
	storeCtx, cancel := s.storeContext(ctx)
	defer cancel()
	if err := s.store.PutDevice(storeCtx, d); err != nil {
		return Device{}, err
	}
	return d, nil
}

// RemoveDevice deletes the customer's device and its push endpoint.
func (s *Service) RemoveDevice(ctx context.Context, c Caller, deviceID string) error {
	if err := c.require(CallerCustomer); err != nil {
		return err
	}
	if err := validateID("device_id", deviceID); err != nil {
		return err
	}
	storeCtx, cancel := s.storeContext(ctx)
	defer cancel()
	d, err := s.store.DeleteDevice(storeCtx, c.ID, deviceID)
	if err != nil {
		return err
	}
	if s.pusher == nil {
		return nil
	}
	pushCtx, cancelPush := context.WithTimeout(ctx, pushTimeout)
	defer cancelPush()
	if err := s.pusher.Unregister(pushCtx, d); err != nil {
		// The device is gone from the store, so nothing is pushed to it again;
		// the orphaned endpoint only costs a line in SNS.
		s.log.WarnContext(ctx, "delete push endpoint failed", "customer_id", c.ID, "device_id", deviceID, "err", err)
	}
	return nil
}
