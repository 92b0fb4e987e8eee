package pushpayload

import (
	"fmt"

	"github.com/yourang/yourang/shared/callsession"
)

// FraudAlertSubject is the subject line of fraud alerts for e-mail
// subscriptions of the topic.
const FraudAlertSubject = "You Rang? fraud alert: a customer denied a call"

// AttributeEvent names the kind of message ("fraud_alert"), so that topic
// subscriptions can filter on it.
const AttributeEvent = "event"

// fraudAlertMessage is the JSON body of a fraud alert.
type fraudAlertMessage struct {
	Event      string `json:"event"`
	CallID     string `json:"call_id"`
	CustomerID string `json:"customer_id"`
	AgentID    string `json:"agent_id"`
	CallRef    string `json:"call_ref"`
	Reason     string `json:"reason"`
	Time       string `json:"time"`
}

// FraudAlert builds the publish of a to the fraud team's topic: a JSON object
// with the call id, customer id, agent id, call_ref, the reason the session
// was denied and the time in RFC 3339 UTC. It returns an error when the call
// id, the customer id or the time is missing.
func FraudAlert(a callsession.FraudAlert) (Publish, error) {
	switch {
	case a.CallID == "":
		return Publish{}, fmt.Errorf("fraud alert has no call id")
	case a.CustomerID == "":
		return Publish{}, fmt.Errorf("fraud alert for call %s has no customer id", a.CallID)
	case a.At.IsZero():
		return Publish{}, fmt.Errorf("fraud alert for call %s has no time", a.CallID)
	}

	message, err := marshal(fraudAlertMessage{
		Event:      "fraud_alert",
		CallID:     a.CallID,
		CustomerID: a.CustomerID,
		AgentID:    a.AgentID,
		CallRef:    a.CallRef,
		Reason:     string(a.Reason),
		Time:       formatTime(a.At),
	})
	if err != nil {
		return Publish{}, err
	}
	return Publish{
		Message: message,
		Subject: FraudAlertSubject,
		Attributes: map[string]Attribute{
			AttributeEvent: {DataType: "String", StringValue: "fraud_alert"},
		},
	}, nil
}
