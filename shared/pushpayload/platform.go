package pushpayload

import (
	"fmt"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// ellipsis marks an agent name that was trimmed to fit the payload limit.
const ellipsis = "…"

// apnsPayload is the APNs notification. The alert text is generic, and the
// app reads the call and the agent name from the custom keys.
type apnsPayload struct {
	APS       apsDictionary `json:"aps"`
	CallID    string        `json:"call_id"`
	AgentName string        `json:"agent_name"`
	StartedAt string        `json:"started_at,omitempty"`
	AnswerBy  string        `json:"answer_by"`
}

type apsDictionary struct {
	Alert    apsAlert `json:"alert"`
	Category string   `json:"category"`
	Sound    string   `json:"sound"`
}

type apsAlert struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// fcmPayload is the FCM HTTP v1 message in the form SNS expects under the
// "GCM" key. FCM data values must be strings.
type fcmPayload struct {
	V1 struct {
		Message fcmMessage `json:"message"`
	} `json:"fcmV1Message"`
}

type fcmMessage struct {
	Notification fcmNotification   `json:"notification"`
	Data         map[string]string `json:"data"`
	Android      fcmAndroid        `json:"android"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

type fcmAndroid struct {
	Priority     string                 `json:"priority"`
	TTL          string                 `json:"ttl"`
	Notification fcmAndroidNotification `json:"notification"`
}

// fcmAndroidNotification opens the app's answer screen when tapped: Android
// has no notification categories, so the app declares an intent filter for
// the action named by ClickAction.
type fcmAndroidNotification struct {
	ClickAction string `json:"click_action"`
}

// fitPayload returns the payload of n for platform p, with the agent name
// trimmed when the payload would exceed MaxPayloadBytes. Trimming counts
// characters (runes), so a multi-byte character is never split. An invalid
// UTF-8 byte in the name becomes U+FFFD, as encoding/json would make it.
func fitPayload(p callsession.Platform, n callsession.Notification, ttl int64) (string, error) {
	full, err := platformPayload(p, n, ttl)
	if err != nil || len(full) <= MaxPayloadBytes {
		return full, err
	}

	// The payload size grows with the number of characters kept, so a binary
	// search finds the longest prefix that fits.
	name := []rune(n.AgentName)
	best := ""
	low, high := 0, len(name)-1
	for low <= high {
		keep := (low + high) / 2
		n.AgentName = string(name[:keep]) + ellipsis
		payload, err := platformPayload(p, n, ttl)
		if err != nil {
			return "", err
		}
		if len(payload) <= MaxPayloadBytes {
			best, low = payload, keep+1
		} else {
			high = keep - 1
		}
	}
	if best == "" {
		return "", fmt.Errorf("push payload for call %s exceeds %d bytes even without the agent name", n.CallID, MaxPayloadBytes)
	}
	return best, nil
}

func platformPayload(p callsession.Platform, n callsession.Notification, ttl int64) (string, error) {
	if p == callsession.PlatformGCM {
		return marshal(fcmNotificationPayload(n, ttl))
	}
	return marshal(apnsPayload{
		APS: apsDictionary{
			Alert:    apsAlert{Title: AlertTitle, Body: AlertBody},
			Category: Category,
			Sound:    "default",
		},
		CallID:    n.CallID,
		AgentName: n.AgentName,
		StartedAt: formatTime(n.StartedAt),
		AnswerBy:  formatTime(n.AnswerBy),
	})
}

func fcmNotificationPayload(n callsession.Notification, ttl int64) fcmPayload {
	var p fcmPayload
	p.V1.Message = fcmMessage{
		Notification: fcmNotification{Title: AlertTitle, Body: AlertBody},
		Data: map[string]string{
			"call_id":    n.CallID,
			"agent_name": n.AgentName,
			"answer_by":  formatTime(n.AnswerBy),
			"category":   Category,
		},
		Android: fcmAndroid{
			Priority:     "high",
			TTL:          fmt.Sprintf("%ds", ttl),
			Notification: fcmAndroidNotification{ClickAction: Category},
		},
	}
	if started := formatTime(n.StartedAt); started != "" {
		p.V1.Message.Data["started_at"] = started
	}
	return p
}

// formatTime returns t in RFC 3339 UTC, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
