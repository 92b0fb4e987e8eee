package callsession_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/memstore"
)

// flakyAlerts is a pusher whose first fraud alert fails.
type flakyAlerts struct {
	recordingPusher
	failed bool
}

func (p *flakyAlerts) AlertFraud(ctx context.Context, a callsession.FraudAlert) error {
	if !p.failed {
		p.failed = true
		return errors.New("topic unreachable")
	}
	return p.recordingPusher.AlertFraud(ctx, a)
}

// TestFailedAlertRetriedByDeny checks that a deny whose fraud alert fails
// is stored, answered 503, and that sending it again delivers the alert.
func TestFailedAlertRetriedByDeny(t *testing.T) {
	ctx := context.Background()
	pusher := &flakyAlerts{}
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(pusher), callsession.WithClock(newFakeClock(t0)))
	started, err := svc.Start(ctx, agentCaller, startRequest("pbx-alert"))
	if err != nil {
		t.Fatal(err)
	}
	deny := callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerDeny}

	res, err := svc.Answer(ctx, customerCaller, deny)
	checkCode(t, err, callsession.CodeUnavailable)
	if res.Session.Status != callsession.StatusDenied {
		t.Errorf("first deny: got status %q, want the denial stored", res.Session.Status)
	}
	if n := len(pusher.Alerts()); n != 0 {
		t.Fatalf("got %d alerts after the failed publish, want 0", n)
	}

	if _, err := svc.Answer(ctx, customerCaller, deny); err != nil {
		t.Fatalf("second deny: got %v, want success", err)
	}
	alerts := pusher.Alerts()
	if len(alerts) != 1 || alerts[0].CallID != started.Session.CallID {
		t.Fatalf("got alerts %+v, want one for %s", alerts, started.Session.CallID)
	}
}

// slowPusher is a pusher whose calls block until their context ends, like
// an SNS endpoint that accepts connections and never answers.
type slowPusher struct{ recordingPusher }

func (p *slowPusher) AlertFraud(ctx context.Context, a callsession.FraudAlert) error {
	<-ctx.Done()
	return ctx.Err()
}

func (p *slowPusher) Register(ctx context.Context, d callsession.Device) (string, error) {
	<-ctx.Done()
	return "", callsession.Unavailable("push service", ctx.Err())
}

// TestPushCallsBounded checks that the fraud alert and the device
// registration give up when the push service does not answer, instead of
// holding the request until the Lambda timeout.
func TestPushCallsBounded(t *testing.T) {
	ctx := context.Background()
	pusher := &slowPusher{}
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(pusher), callsession.WithClock(newFakeClock(t0)))
	started, err := svc.Start(ctx, agentCaller, startRequest("pbx-slow"))
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 2)
	go func() {
		_, err := svc.Answer(ctx, customerCaller, callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerDeny})
		done <- err
	}()
	go func() {
		_, err := svc.RegisterDevice(ctx, customerCaller, callsession.Device{DeviceID: "phone-1", Platform: callsession.PlatformAPNS, Token: "token-1"})
		done <- err
	}()
	for range 2 {
		select {
		case err := <-done:
			checkCode(t, err, callsession.CodeUnavailable)
		case <-time.After(30 * time.Second):
			t.Fatal("a call to a silent push service did not give up within 30s")
		}
	}
}

// TestFailedAlertAfterWrongCodes checks the other way into a denial: the
// last wrong match code denies the session, its alert fails, and the deny
// that the error asks for publishes it.
func TestFailedAlertAfterWrongCodes(t *testing.T) {
	ctx := context.Background()
	pusher := &flakyAlerts{}
	svc := callsession.NewService(memstore.New(), callsession.DefaultConfig(),
		callsession.WithPusher(pusher), callsession.WithClock(newFakeClock(t0)))
	started, err := svc.Start(ctx, agentCaller, startRequest("pbx-wrong"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerConfirm, MatchCode: wrongCode(started.Session.MatchCode)}
	for range 2 {
		_, err := svc.Answer(ctx, customerCaller, wrong)
		checkCode(t, err, callsession.CodeWrongMatchCode)
	}

	_, err = svc.Answer(ctx, customerCaller, wrong)
	checkCode(t, err, callsession.CodeUnavailable)
	if msg := domainError(t, err).Message; !strings.Contains(msg, `"deny"`) {
		t.Errorf("message %q does not tell the app to send \"deny\"", msg)
	}
	if n := len(pusher.Alerts()); n != 0 {
		t.Fatalf("got %d alerts after the failed publish, want 0", n)
	}

	if _, err := svc.Answer(ctx, customerCaller, callsession.AnswerRequest{CallID: started.Session.CallID, Answer: callsession.AnswerDeny}); err != nil {
		t.Fatalf("deny after the denial: got %v, want success", err)
	}
	alerts := pusher.Alerts()
	if len(alerts) != 1 || alerts[0].Reason != callsession.EndWrongMatchCodes {
		t.Fatalf("got alerts %+v, want one with reason %s", alerts, callsession.EndWrongMatchCodes)
	}
}

func TestPushOncePerEndpoint(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	pusher := &recordingPusher{}
	svc := callsession.NewService(store, callsession.DefaultConfig(),
		callsession.WithPusher(pusher), callsession.WithClock(newFakeClock(t0)))
	for _, id := range []string{"phone-old", "phone-new"} {
		d := callsession.Device{CustomerID: customerCaller.ID, DeviceID: id, Platform: callsession.PlatformAPNS,
			Token: "same-token", EndpointARN: "arn:aws:sns:eu-west-2:123456789012:endpoint/APNS/yourang/shared", Enabled: true}
		if err := store.PutDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	res, err := svc.Start(ctx, agentCaller, startRequest("pbx-shared"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pusher.Notified()); n != 1 {
		t.Errorf("got %d pushes, want 1 for two records of one endpoint", n)
	}
	if res.Session.Push.Devices != 1 || res.Session.Push.Sent != 1 {
		t.Errorf("push outcome: got %+v, want 1 device reached", res.Session.Push)
	}
}
