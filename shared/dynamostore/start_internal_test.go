package dynamostore

import (
	"reflect"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func TestPendingSession(t *testing.T) {
	answerBy := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	meta := &metaItem{PendingCallID: "call_new", PendingAnswerBy: nanos(answerBy)}
	session := func(id string, st callsession.Status) *callsession.Session {
		return &callsession.Session{CallID: id, CustomerID: "cus-1", Status: st, AnswerBy: answerBy}
	}

	tests := []struct {
		name          string
		meta          *metaItem
		known, newest *callsession.Session
		want          string // call id, or "" for none
	}{
		{"no META", nil, nil, nil, ""},
		{"META without session", &metaItem{Version: 1}, nil, nil, ""},
		{"index lags", meta, nil, session("call_old", callsession.StatusPending), "call_new"},
		{"index shows pending", meta, nil, session("call_new", callsession.StatusPending), "call_new"},
		{"index shows confirmed", meta, nil, session("call_new", callsession.StatusConfirmed), ""},
		{"failed write shows denied", meta, session("call_new", callsession.StatusDenied), session("call_new", callsession.StatusPending), ""},
		{"failed write of another session", meta, session("call_old", callsession.StatusDenied), nil, "call_new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pendingSession("cus-1", tt.meta, tt.known, tt.newest)
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("got pending %s, want none", got.CallID)
			case tt.want != "" && got == nil:
				t.Fatalf("got no pending session, want %s", tt.want)
			case tt.want != "" && (got.CallID != tt.want || !got.AnswerBy.Equal(answerBy) || got.CustomerID != "cus-1"):
				t.Fatalf("got pending %s, answer by %s, customer %s, want %s, %s, cus-1", got.CallID, got.AnswerBy, got.CustomerID, tt.want, answerBy)
			}
		})
	}
}

func TestTTLSeconds(t *testing.T) {
	tests := []struct {
		in   time.Time
		want int64
	}{
		{time.Unix(100, 0), 100},
		{time.Unix(100, 1), 101},
		{time.Unix(100, 999999999), 101},
	}
	for _, tt := range tests {
		if got := ttlSeconds(tt.in); got != tt.want {
			t.Errorf("ttlSeconds(%v): got %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestIndexSortKeyOrder(t *testing.T) {
	early := customerIndexSortKey(time.Unix(9, 0), "call_b")
	late := customerIndexSortKey(time.Unix(10, 0), "call_a")
	if early >= late {
		t.Fatalf("got %q >= %q, want string order to follow time order", early, late)
	}
	if since := indexTime(time.Unix(10, 0)); late < since {
		t.Fatalf("got %q < since %q, want a start at since included", late, since)
	}
	if got := indexTime(time.Unix(-5, 0)); got != "00000000000000000000" {
		t.Fatalf("got %q for a time before 1970, want all zeros", got)
	}
}

func TestSessionItemRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	s := callsession.Session{
		CallID: "call_1", CustomerID: "cus-1", CallRef: "ref-1",
		Agent:  callsession.Agent{ID: "agent-7", DisplayName: "Alex"},
		Status: callsession.StatusConfirmed, MatchCode: "42", WrongCodes: 1,
		Ended: callsession.EndConfirmed, Method: callsession.MethodMatchCode,
		StartedAt: at, AnswerBy: at.Add(time.Minute), AnsweredAt: at.Add(time.Second),
		AccessUntil: at.Add(time.Hour), RetainUntil: at.Add(24 * time.Hour),
		Push: callsession.PushOutcome{Devices: 2, Sent: 1, Failed: 1}, PushedAt: at.Add(time.Millisecond),
		Disclosures: []callsession.Disclosure{{Field: "iban", AgentID: "agent-7", AgentName: "Alex", Principal: "p", At: at}},
	}
	av, err := encode(newSessionItem(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	got, err := decodeSession(av)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	// Times decode in UTC without a monotonic reading, like at, so the
	// sessions compare equal field by field.
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("got %+v, want %+v", got, s)
	}
}
