package pushpayload_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/pushpayload"
)

// BenchmarkNotification builds the publish of one push notification per
// platform, for a usual agent name and for a 10,000-character one that
// Notification must trim, by binary search, until the payload fits in
// MaxPayloadBytes. The short-name case is the baseline of the long-name
// case on the same platform. BENCHMARKS.md records the results.
func BenchmarkNotification(b *testing.B) {
	started := time.Date(2026, time.March, 14, 9, 26, 53, 0, time.UTC)
	base := callsession.Notification{
		CallID:    "call_abcdefghijklmnopqrstuvwxyz",
		StartedAt: started,
		AnswerBy:  started.Add(10 * time.Minute),
		TTL:       10 * time.Minute,
	}
	names := []struct {
		label string
		name  string
	}{
		{"short_name", "Priya at Example Bank"},
		{"10000_char_name", strings.Repeat("é", 10_000)},
	}

	for _, p := range []callsession.Platform{callsession.PlatformAPNS, callsession.PlatformGCM} {
		for _, nm := range names {
			n := base
			n.AgentName = nm.name
			b.Run(string(p)+"/"+nm.label, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					pub, err := pushpayload.Notification(p, n)
					if err != nil {
						b.Fatalf("notification: %v", err)
					}
					if pub.Message == "" {
						b.Fatal("notification has an empty message")
					}
				}
			})
		}
	}
}
