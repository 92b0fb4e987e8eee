package storetest

import (
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func testDiscloseConfirmed(t *testing.T, f *fixture) {
	s := f.start("cus-1", "ref-1", t0).Session
	confirmed := f.confirm(s, t0.Add(time.Minute))

	now := t0.Add(5 * time.Minute)
	got, ok := f.disclose(s, now, "iban")
	if !ok {
		t.Fatalf("got disclosed=false on a confirmed session, want true")
	}
	want := confirmed
	want.Disclosures = withAgent(s, disclosures(now, "iban"))
	wantSession(t, "disclose result", got, want)

	// The last instant of the access window still counts, and new fields
	// are added, ordered by time and then by field. A field disclosed
	// before, or listed twice, keeps its first record.
	last := confirmed.AccessUntil.Add(-time.Nanosecond)
	got, ok = f.disclose(s, last, "balance", "iban", "address", "balance")
	if !ok {
		t.Fatalf("got disclosed=false at the last instant of the access window, want true")
	}
	want.Disclosures = append(want.Disclosures, withAgent(s, disclosures(last, "address", "balance"))...)
	wantSession(t, "second disclose result", got, want)
	wantSession(t, "stored session", f.session(s.CallID), want)
}

// withAgent fills in the session's agent, as the store does.
func withAgent(s callsession.Session, ds []callsession.Disclosure) []callsession.Disclosure {
	for i := range ds {
		ds[i].AgentID, ds[i].AgentName = s.Agent.ID, s.Agent.DisplayName
	}
	return ds
}

func testDiscloseRefused(t *testing.T, f *fixture) {
	pending := f.start("cus-pending", "ref-pending", t0).Session

	denied := f.start("cus-denied", "ref-denied", t0).Session
	denied = f.deny(denied, t0.Add(time.Minute))

	expired := f.start("cus-expired", "ref-expired", t0).Session
	expired = f.confirm(expired, t0.Add(time.Minute))

	superseded := f.start("cus-superseded", "ref-superseded-1", t0).Session
	f.start("cus-superseded", "ref-superseded-2", t0.Add(time.Minute))
	superseded = f.session(superseded.CallID)

	tests := []struct {
		name string
		s    callsession.Session
		now  time.Time
	}{
		{"pending", pending, t0.Add(2 * time.Minute)},
		{"denied", denied, t0.Add(2 * time.Minute)},
		{"after access window", expired, expired.AccessUntil},
		{"superseded", superseded, t0.Add(2 * time.Minute)},
	}
	for _, tt := range tests {
		got, ok := f.disclose(tt.s, tt.now, "iban")
		if ok {
			t.Fatalf("%s: got disclosed=true, want false", tt.name)
		}
		wantSession(t, tt.name+": disclose result", got, tt.s)
		wantSession(t, tt.name+": stored session", f.session(tt.s.CallID), tt.s)
	}
}

func testDiscloseNotFound(t *testing.T, f *fixture) {
	_, _, err := f.store.Disclose(f.ctx, "call_unknown", disclosures(t0, "iban"), t0)
	wantCode(t, "disclose on unknown session", err, callsession.CodeNotFound)
}

func device(customerID, deviceID string, enabled bool) callsession.Device {
	return callsession.Device{
		CustomerID:  customerID,
		DeviceID:    deviceID,
		Platform:    callsession.PlatformAPNS,
		Token:       "token-" + deviceID,
		EndpointARN: "arn:aws:sns:eu-central-1:123456789012:endpoint/APNS/yourang/" + deviceID,
		Enabled:     enabled,
		UpdatedAt:   t0,
	}
}

func testDevices(t *testing.T, f *fixture) {
	phone := device("cus-1", "phone", true)
	tablet := device("cus-1", "tablet", true)
	for _, d := range []callsession.Device{tablet, phone, device("cus-2", "other", true)} {
		if err := f.store.PutDevice(f.ctx, d); err != nil {
			t.Fatalf("put device %s: %v", d.DeviceID, err)
		}
	}
	f.wantDevices("after put", "cus-1", phone, tablet)

	// A new registration of the same device id replaces the old one.
	phone.Token, phone.Platform, phone.UpdatedAt = "token-new", callsession.PlatformGCM, t0.Add(time.Hour)
	if err := f.store.PutDevice(f.ctx, phone); err != nil {
		t.Fatalf("replace device: %v", err)
	}
	f.wantDevices("after replace", "cus-1", phone, tablet)

	if err := f.store.DisableDevice(f.ctx, tablet); err != nil {
		t.Fatalf("disable device: %v", err)
	}
	tablet.Enabled = false
	f.wantDevices("after disable", "cus-1", phone, tablet)

	// Disabling the token that a new registration replaced changes nothing.
	stale := phone
	stale.Token = "token-replaced-earlier"
	if err := f.store.DisableDevice(f.ctx, stale); err != nil {
		t.Fatalf("disable a replaced token: %v", err)
	}
	f.wantDevices("after disabling a replaced token", "cus-1", phone, tablet)

	deleted, err := f.store.DeleteDevice(f.ctx, "cus-1", "phone")
	if err != nil {
		t.Fatalf("delete device: %v", err)
	}
	wantDevices(t, "deleted device", []callsession.Device{deleted}, []callsession.Device{phone})
	f.wantDevices("after delete", "cus-1", tablet)

	_, err = f.store.DeleteDevice(f.ctx, "cus-1", "phone")
	wantCode(t, "delete deleted device", err, callsession.CodeNotFound)
	err = f.store.DisableDevice(f.ctx, phone)
	wantCode(t, "disable deleted device", err, callsession.CodeNotFound)
	_, err = f.store.DeleteDevice(f.ctx, "cus-2", "tablet")
	wantCode(t, "delete another customer's device", err, callsession.CodeNotFound)
	f.wantDevices("devices of a customer without any", "cus-3")
}

func (f *fixture) wantDevices(what, customerID string, want ...callsession.Device) {
	f.t.Helper()
	got, err := f.store.Devices(f.ctx, customerID)
	if err != nil {
		f.t.Fatalf("%s: list devices: %v", what, err)
	}
	wantDevices(f.t, what, got, want)
}
