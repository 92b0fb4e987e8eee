package main

import (
	"context"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// demoDevices is a store that registers a demo phone for a customer who has
// no device when a call starts, so that the walk-through produces a push on
// a fresh machine. It exists only in the local mode.
type demoDevices struct {
	callsession.Store
	pusher callsession.Pusher
}

// StartSession registers the demo phone first when the customer has no
// device, then starts the session as the wrapped store does.
func (s demoDevices) StartSession(ctx context.Context, req callsession.StartRequest, since time.Time, plan func(callsession.CustomerState) (callsession.StartPlan, error)) (callsession.StartPlan, []callsession.Device, error) {
	devices, err := s.Devices(ctx, req.CustomerID)
	if err != nil {
		return callsession.StartPlan{}, nil, err
	}
	if len(devices) == 0 {
		if err := s.registerDemo(ctx, req.CustomerID); err != nil {
			return callsession.StartPlan{}, nil, err
		}
	}
	return s.Store.StartSession(ctx, req, since, plan)
}

func (s demoDevices) registerDemo(ctx context.Context, customerID string) error {
	d := callsession.Device{
		CustomerID: customerID,
		DeviceID:   "demo-phone",
		Platform:   callsession.PlatformAPNSSandbox,
		Token:      "demo-token-" + customerID,
		Enabled:    true,
		UpdatedAt:  time.Now().UTC(),
	}
	arn, err := s.pusher.Register(ctx, d)
	if err != nil {
		return err
	}
	d.EndpointARN = arn
	return s.PutDevice(ctx, d)
}
