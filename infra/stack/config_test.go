package stack_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/infra/stack"
	"github.com/yourang/yourang/shared/metricnames"
)

func TestConfigFromContextDefaults(t *testing.T) {
	cfg := testConfig(t)

	if got := cfg.Session.AnswerWindow; got != 10*time.Minute {
		t.Errorf("AnswerWindow = %v, want 10m", got)
	}
	if got := cfg.Session.AccessWindow; got != 60*time.Minute {
		t.Errorf("AccessWindow = %v, want 60m", got)
	}
	if got := cfg.Session.Retention; got != 2160*time.Hour {
		t.Errorf("Retention = %v, want 2160h", got)
	}
	if got := cfg.Session.MatchCodeDigits; got != 2 {
		t.Errorf("MatchCodeDigits = %d, want 2", got)
	}
	if got := cfg.Session.PushBudget; got != 5 {
		t.Errorf("PushBudget = %d, want 5", got)
	}
	if got := cfg.MetricsNamespace; got != metricnames.DefaultNamespace {
		t.Errorf("MetricsNamespace = %q, want %q", got, metricnames.DefaultNamespace)
	}
	if got := strings.Join(cfg.JWTAudience, "|"); got != "yourang-app|yourang-app-beta" {
		t.Errorf("JWTAudience = %q, want yourang-app and yourang-app-beta", got)
	}
	if cfg.ThrottleRateLimit != stack.DefaultThrottleRateLimit || cfg.ThrottleBurstLimit != stack.DefaultThrottleBurstLimit {
		t.Errorf("throttle = %v/%v, want %v/%v", cfg.ThrottleRateLimit, cfg.ThrottleBurstLimit,
			stack.DefaultThrottleRateLimit, stack.DefaultThrottleBurstLimit)
	}
}

func TestConfigFromContextValues(t *testing.T) {
	values := testContext()
	// -c passes strings; cdk.json can hold numbers.
	values[stack.ContextAnswerWindow] = "5m"
	values[stack.ContextAccessWindow] = "30m"
	values[stack.ContextRetention] = "720h"
	values[stack.ContextMatchCodeDigits] = float64(6)
	values[stack.ContextPushBudget] = "3"
	values[stack.ContextThrottleRateLimit] = float64(20.5)
	values[stack.ContextThrottleBurstLimit] = "40"
	values[stack.ContextMetricsNamespace] = "Bank/YouRang"

	cfg, err := stack.ConfigFromContext(contextOf(values))
	if err != nil {
		t.Fatalf("ConfigFromContext: %v", err)
	}
	if cfg.Session.AnswerWindow != 5*time.Minute || cfg.Session.AccessWindow != 30*time.Minute || cfg.Session.Retention != 720*time.Hour {
		t.Errorf("windows = %v, %v, %v, want 5m, 30m, 720h", cfg.Session.AnswerWindow, cfg.Session.AccessWindow, cfg.Session.Retention)
	}
	if cfg.Session.MatchCodeDigits != 6 || cfg.Session.PushBudget != 3 {
		t.Errorf("digits, budget = %d, %d, want 6, 3", cfg.Session.MatchCodeDigits, cfg.Session.PushBudget)
	}
	if cfg.ThrottleRateLimit != 20.5 || cfg.ThrottleBurstLimit != 40 {
		t.Errorf("throttle = %v/%v, want 20.5/40", cfg.ThrottleRateLimit, cfg.ThrottleBurstLimit)
	}
	if cfg.MetricsNamespace != "Bank/YouRang" {
		t.Errorf("MetricsNamespace = %q, want Bank/YouRang", cfg.MetricsNamespace)
	}
}

func TestConfigFromContextErrors(t *testing.T) {
	tests := []struct {
		name    string
		change  map[string]any // nil value removes the key
		wantKey string
	}{
		{"issuer missing", map[string]any{stack.ContextJWTIssuer: nil}, stack.ContextJWTIssuer},
		{"issuer not https", map[string]any{stack.ContextJWTIssuer: "http://login.example.com"}, stack.ContextJWTIssuer},
		{"audience missing", map[string]any{stack.ContextJWTAudience: nil}, stack.ContextJWTAudience},
		{"audience only commas", map[string]any{stack.ContextJWTAudience: " , "}, stack.ContextJWTAudience},
		{"no platform", map[string]any{
			stack.ContextAPNSApplicationARN:        nil,
			stack.ContextAPNSSandboxApplicationARN: nil,
			stack.ContextGCMApplicationARN:         "",
		}, stack.ContextGCMApplicationARN},
		{"platform not an ARN", map[string]any{stack.ContextAPNSApplicationARN: "yourang"}, stack.ContextAPNSApplicationARN},
		{"platform of another kind", map[string]any{stack.ContextAPNSApplicationARN: gcmARN}, stack.ContextAPNSApplicationARN},
		{"endpoint instead of application", map[string]any{
			stack.ContextGCMApplicationARN: "arn:aws:sns:eu-west-2:123456789012:endpoint/GCM/yourang/0f1e",
		}, stack.ContextGCMApplicationARN},
		{"duration not Go syntax", map[string]any{stack.ContextAnswerWindow: "10 minutes"}, stack.ContextAnswerWindow},
		{"answer window too long", map[string]any{stack.ContextAnswerWindow: "2h"}, stack.ContextAnswerWindow},
		{"digits out of range", map[string]any{stack.ContextMatchCodeDigits: "7"}, stack.ContextMatchCodeDigits},
		{"budget not a number", map[string]any{stack.ContextPushBudget: "five"}, stack.ContextPushBudget},
		{"namespace of AWS", map[string]any{stack.ContextMetricsNamespace: "AWS/Lambda"}, stack.ContextMetricsNamespace},
		{"namespace with quote", map[string]any{stack.ContextMetricsNamespace: "You'Rang"}, stack.ContextMetricsNamespace},
		{"rate zero", map[string]any{stack.ContextThrottleRateLimit: "0"}, stack.ContextThrottleRateLimit},
		{"burst fractional", map[string]any{stack.ContextThrottleBurstLimit: "1.5"}, stack.ContextThrottleBurstLimit},
		{"value of wrong type", map[string]any{stack.ContextJWTIssuer: true}, stack.ContextJWTIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := maps.Clone(testContext())
			for k, v := range tt.change {
				if v == nil {
					delete(values, k)
				} else {
					values[k] = v
				}
			}

			_, err := stack.ConfigFromContext(contextOf(values))
			if err == nil {
				t.Fatalf("ConfigFromContext succeeded, want an error naming %s", tt.wantKey)
			}
			if !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("error = %q, want it to name the context key %s", err, tt.wantKey)
			}
		})
	}
}

// TestConfigFromContextWindowsExceedRetention checks the combination that
// each function rejects at cold start: the answer window left at its 10m
// default plus a 24h access window exceed a retention of 24h0m30s.
func TestConfigFromContextWindowsExceedRetention(t *testing.T) {
	values := testContext()
	values[stack.ContextAccessWindow] = "24h"
	values[stack.ContextRetention] = "24h0m30s"

	_, err := stack.ConfigFromContext(contextOf(values))
	if err == nil {
		t.Fatal("ConfigFromContext succeeded, want an error: 10m + 24h exceed the retention of 24h0m30s")
	}
	for _, key := range []string{stack.ContextAnswerWindow, stack.ContextAccessWindow, stack.ContextRetention} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error = %q, want it to name the context key %s", err, key)
		}
	}
	if !strings.Contains(err.Error(), "24h10m0s") {
		t.Errorf("error = %q, want it to give the minimum retention 24h10m0s", err)
	}
}

// TestConfigFromContextWindowsFillRetention checks the largest windows that
// a retention of 24h0m30s allows: 30s + 24h.
func TestConfigFromContextWindowsFillRetention(t *testing.T) {
	values := testContext()
	values[stack.ContextAnswerWindow] = "30s"
	values[stack.ContextAccessWindow] = "24h"
	values[stack.ContextRetention] = "24h0m30s"

	if _, err := stack.ConfigFromContext(contextOf(values)); err != nil {
		t.Errorf("ConfigFromContext: %v, want no error", err)
	}
}

// TestConfigValidateDeployedSession checks that Validate judges the session
// rules that the functions build, so a field that is not deployed keeps its
// default whatever Config.Session holds.
func TestConfigValidateDeployedSession(t *testing.T) {
	cfg := testConfig(t)
	cfg.Session.MaxWrongCodes = 0
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with MaxWrongCodes 0 (not deployed): %v, want no error", err)
	}

	cfg = testConfig(t)
	cfg.Session.PushBudget = 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate with PushBudget 0 succeeded, want an error")
	}
	if !strings.Contains(err.Error(), stack.ContextPushBudget) {
		t.Errorf("error = %q, want it to name the context key %s", err, stack.ContextPushBudget)
	}
}

func TestEndpointARNPattern(t *testing.T) {
	tests := []struct {
		app  stack.PlatformApplicationARN
		want string
	}{
		{apnsARN, apnsEndpoints},
		{apnsSandboxARN, sandboxEndpoint},
		{"arn:aws-cn:sns:cn-north-1:123456789012:app/GCM/bank.app", "arn:aws-cn:sns:cn-north-1:123456789012:endpoint/GCM/bank.app/*"},
	}
	for _, tt := range tests {
		if got := tt.app.EndpointARNPattern(); got != tt.want {
			t.Errorf("EndpointARNPattern(%s) = %s, want %s", tt.app, got, tt.want)
		}
	}
}
