package callsession

import (
	"fmt"
	"time"
)

// Config holds the windows and limits of call sessions. Use DefaultConfig and
// change what a deployment needs; Validate reports values out of range.
type Config struct {
	// AnswerWindow is how long a pending session can be answered. The push
	// notification has the same time to live.
	AnswerWindow time.Duration
	// AccessWindow is how long a confirmed session unlocks sensitive fields,
	// counted from the answer.
	AccessWindow time.Duration
	// Retention is how long a session is kept for the customer's history and
	// for fraud investigations, counted from its start.
	Retention time.Duration
	// MatchCodeDigits is the length of the match code, from 2 to 6.
	MatchCodeDigits int
	// MaxWrongCodes is how many wrong match codes deny a session.
	MaxWrongCodes int
	// PushBudget is how many call starts a customer may receive per
	// PushBudgetPeriod, counted over a rolling period.
	PushBudget       int
	PushBudgetPeriod time.Duration
}

// DefaultConfig returns the defaults: a 10-minute answer window (NIST SP
// 800-63B asks out-of-band confirmations to complete within 10 minutes), a
// 60-minute access window, 90 days of retention, 2-digit match codes, 3
// wrong codes, and 5 call starts per customer per rolling hour.
func DefaultConfig() Config {
	return Config{
		AnswerWindow:     10 * time.Minute,
		AccessWindow:     60 * time.Minute,
		Retention:        90 * 24 * time.Hour,
		MatchCodeDigits:  2,
		MaxWrongCodes:    3,
		PushBudget:       5,
		PushBudgetPeriod: time.Hour,
	}
}

// Validate returns an error naming the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.AnswerWindow < 30*time.Second || c.AnswerWindow > time.Hour:
		return fmt.Errorf("answer window %s is out of range: set it between 30s and 1h", c.AnswerWindow)
	case c.AccessWindow < time.Minute || c.AccessWindow > 24*time.Hour:
		return fmt.Errorf("access window %s is out of range: set it between 1m and 24h", c.AccessWindow)
	case c.Retention < 24*time.Hour:
		return fmt.Errorf("retention %s is too short: set it to at least 24h", c.Retention)
	case c.Retention < c.AnswerWindow+c.AccessWindow:
		return fmt.Errorf("retention %s is shorter than the answer window plus the access window: set it to at least %s",
			c.Retention, c.AnswerWindow+c.AccessWindow)
	case c.MatchCodeDigits < 2 || c.MatchCodeDigits > 6:
		return fmt.Errorf("match code length %d is out of range: set it between 2 and 6 digits", c.MatchCodeDigits)
	case c.MaxWrongCodes < 1 || c.MaxWrongCodes > 10:
		return fmt.Errorf("maximum wrong match codes %d is out of range: set it between 1 and 10", c.MaxWrongCodes)
	case c.PushBudget < 1 || c.PushBudget > 100:
		return fmt.Errorf("push budget %d is out of range: set it between 1 and 100 call starts", c.PushBudget)
	case c.PushBudgetPeriod < time.Minute || c.PushBudgetPeriod > 24*time.Hour:
		return fmt.Errorf("push budget period %s is out of range: set it between 1m and 24h", c.PushBudgetPeriod)
	}
	return nil
}
