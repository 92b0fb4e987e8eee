package callsession_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

func TestDefaultConfig(t *testing.T) {
	cfg := callsession.DefaultConfig()

	if cfg.AnswerWindow != 10*time.Minute {
		t.Errorf("got answer window %s, want 10m", cfg.AnswerWindow)
	}
	if cfg.AccessWindow != 60*time.Minute {
		t.Errorf("got access window %s, want 60m", cfg.AccessWindow)
	}
	if cfg.Retention != 90*24*time.Hour {
		t.Errorf("got retention %s, want 90 days", cfg.Retention)
	}
	if cfg.MatchCodeDigits != 2 {
		t.Errorf("got %d match code digits, want 2", cfg.MatchCodeDigits)
	}
	if cfg.MaxWrongCodes != 3 {
		t.Errorf("got %d maximum wrong codes, want 3", cfg.MaxWrongCodes)
	}
	if cfg.PushBudget != 5 {
		t.Errorf("got push budget %d, want 5", cfg.PushBudget)
	}
	if cfg.PushBudgetPeriod != time.Hour {
		t.Errorf("got push budget period %s, want 1h", cfg.PushBudgetPeriod)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("got error %v, want the defaults valid", err)
	}
}

func TestConfigValidate(t *testing.T) {
	with := func(change func(c *callsession.Config)) callsession.Config {
		c := callsession.DefaultConfig()
		change(&c)
		return c
	}

	tests := []struct {
		name     string
		cfg      callsession.Config
		wantText string // a part of the error; "" means valid
	}{
		{"defaults", callsession.DefaultConfig(), ""},
		{"answer window 30s", with(func(c *callsession.Config) { c.AnswerWindow = 30 * time.Second }), ""},
		{"answer window 1h", with(func(c *callsession.Config) { c.AnswerWindow = time.Hour }), ""},
		{"answer window too short", with(func(c *callsession.Config) { c.AnswerWindow = 29 * time.Second }), "answer window 29s"},
		{"answer window too long", with(func(c *callsession.Config) { c.AnswerWindow = time.Hour + time.Second }), "answer window 1h0m1s"},
		{"answer window zero", with(func(c *callsession.Config) { c.AnswerWindow = 0 }), "answer window 0s"},
		{"access window 1m", with(func(c *callsession.Config) { c.AccessWindow = time.Minute }), ""},
		{"access window 24h", with(func(c *callsession.Config) { c.AccessWindow = 24 * time.Hour }), ""},
		{"access window too short", with(func(c *callsession.Config) { c.AccessWindow = 59 * time.Second }), "access window 59s"},
		{"access window too long", with(func(c *callsession.Config) { c.AccessWindow = 24*time.Hour + time.Second }), "access window 24h0m1s"},
		{"retention 24h", with(func(c *callsession.Config) { c.Retention = 24 * time.Hour }), ""},
		{"retention too short", with(func(c *callsession.Config) { c.Retention = 23 * time.Hour }), "retention 23h0m0s"},
		{"retention shorter than windows", with(func(c *callsession.Config) {
			c.AccessWindow = 24 * time.Hour
			c.Retention = 24 * time.Hour
		}), "retention 24h0m0s is shorter than the answer window plus the access window: set it to at least 24h10m0s"},
		{"match code 6 digits", with(func(c *callsession.Config) { c.MatchCodeDigits = 6 }), ""},
		{"match code 1 digit", with(func(c *callsession.Config) { c.MatchCodeDigits = 1 }), "match code length 1"},
		{"match code 7 digits", with(func(c *callsession.Config) { c.MatchCodeDigits = 7 }), "match code length 7"},
		{"wrong codes 1", with(func(c *callsession.Config) { c.MaxWrongCodes = 1 }), ""},
		{"wrong codes 10", with(func(c *callsession.Config) { c.MaxWrongCodes = 10 }), ""},
		{"wrong codes 0", with(func(c *callsession.Config) { c.MaxWrongCodes = 0 }), "maximum wrong match codes 0"},
		{"wrong codes 11", with(func(c *callsession.Config) { c.MaxWrongCodes = 11 }), "maximum wrong match codes 11"},
		{"push budget 1", with(func(c *callsession.Config) { c.PushBudget = 1 }), ""},
		{"push budget 100", with(func(c *callsession.Config) { c.PushBudget = 100 }), ""},
		{"push budget 0", with(func(c *callsession.Config) { c.PushBudget = 0 }), "push budget 0"},
		{"push budget 101", with(func(c *callsession.Config) { c.PushBudget = 101 }), "push budget 101"},
		{"budget period 1m", with(func(c *callsession.Config) { c.PushBudgetPeriod = time.Minute }), ""},
		{"budget period 24h", with(func(c *callsession.Config) { c.PushBudgetPeriod = 24 * time.Hour }), ""},
		{"budget period too short", with(func(c *callsession.Config) { c.PushBudgetPeriod = 59 * time.Second }), "push budget period 59s"},
		{"budget period too long", with(func(c *callsession.Config) { c.PushBudgetPeriod = 25 * time.Hour }), "push budget period 25h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantText == "" {
				if err != nil {
					t.Errorf("got error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.wantText)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantText)
			}
		})
	}
}
