package callsession

import (
	"time"

	"github.com/yourang/yourang/shared/metricnames"
)

// Metrics receives the service's business metrics, named by package
// metricnames. The EMF writer of package emf implements it in Lambda and in
// the local mode alike.
type Metrics interface {
	// Count adds n to the metric name.
	Count(name string, n int)
	// CountGate adds one gate decision with its reason.
	CountGate(reason Reason)
	// Duration records one duration of the metric name.
	Duration(name string, d time.Duration)
}

// WithMetrics sets where business metrics go; by default they are dropped.
func WithMetrics(m Metrics) Option { return func(s *Service) { s.metrics = m } }

type noMetrics struct{}

func (noMetrics) Count(string, int)              {}
func (noMetrics) CountGate(Reason)               {}
func (noMetrics) Duration(string, time.Duration) {}

// recordStart counts a call start. st is the customer's state that the plan
// was made from.
func (s *Service) recordStart(res StartResult, plan StartPlan, st CustomerState, now time.Time) {
	if !res.Created {
		s.metrics.Count(metricnames.CallsReplayed, 1)
		return
	}
	s.metrics.Count(metricnames.CallsStarted, 1)
	s.metrics.Count(metricnames.DevicesReached, res.Session.Push.Sent)
	s.metrics.Count(metricnames.DevicesFailed, res.Session.Push.Failed)
	if plan.Supersede != "" {
		s.metrics.Count(metricnames.CallsSuperseded, 1)
	}

	// NOTE: nothing runs when an answer window ends, so an unanswered
	// session is counted when the customer's next call start finds it past
	// its window. A session never followed by another start is not counted.
	if p := st.Pending; p != nil && p.Status == StatusPending && p.StatusAt(now) == StatusExpired {
		s.metrics.Count(metricnames.CallsExpiredUnanswered, 1)
	}
}

// recordAnswer counts an answer that changed the session's status.
func (s *Service) recordAnswer(res AnswerResult) {
	sess := res.Session
	switch {
	case !res.Changed:
		return
	case sess.Status == StatusConfirmed:
		s.metrics.Count(metricnames.CallsConfirmed, 1)
	case sess.Status == StatusDenied:
		s.metrics.Count(metricnames.CallsDenied, 1)
	default:
		return // a wrong match code that left the session pending
	}
	s.metrics.Duration(metricnames.TimeToAnswer, sess.AnsweredAt.Sub(sess.StartedAt))
}

func (s *Service) recordGate(decisions []Decision) {
	for _, d := range decisions {
		s.metrics.CountGate(d.Reason)
	}
}
