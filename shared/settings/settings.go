// Package settings reads the service's configuration from environment
// variables, through a lookup function that a main package passes in, and
// validates it with messages that name the variable and the fix.
package settings

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/yourang/yourang/shared/callsession"
)

// The environment variables of the call session rules. Each is optional and
// falls back to callsession.DefaultConfig.
const (
	EnvAnswerWindow    = "YOURANG_ANSWER_WINDOW"     // Go duration, e.g. 10m
	EnvAccessWindow    = "YOURANG_ACCESS_WINDOW"     // Go duration, e.g. 60m
	EnvRetention       = "YOURANG_RETENTION"         // Go duration, e.g. 2160h
	EnvMatchCodeDigits = "YOURANG_MATCH_CODE_DIGITS" // 2 to 6
	EnvPushBudget      = "YOURANG_PUSH_BUDGET"       // call starts per customer per rolling hour
	EnvFieldPolicyFile = "YOURANG_FIELD_POLICY_FILE" // path to a field policy JSON document
)

// Lookup returns the value of an environment variable and whether it is set,
// like os.LookupEnv.
type Lookup func(name string) (string, bool)

// SessionConfig returns the call session rules: the defaults, changed by
// whichever variables are set.
func SessionConfig(lookup Lookup) (callsession.Config, error) {
	cfg := callsession.DefaultConfig()
	if err := duration(lookup, EnvAnswerWindow, &cfg.AnswerWindow); err != nil {
		return cfg, err
	}
	if err := duration(lookup, EnvAccessWindow, &cfg.AccessWindow); err != nil {
		return cfg, err
	}
	if err := duration(lookup, EnvRetention, &cfg.Retention); err != nil {
		return cfg, err
	}
	if err := integer(lookup, EnvMatchCodeDigits, &cfg.MatchCodeDigits); err != nil {
		return cfg, err
	}
	if err := integer(lookup, EnvPushBudget, &cfg.PushBudget); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid call session settings: %w", err)
	}
	return cfg, nil
}

// FieldPolicy returns the field policy from the file named by
// EnvFieldPolicyFile, or the policy that ships with the service.
func FieldPolicy(lookup Lookup) (*callsession.Policy, error) {
	path, ok := lookup(EnvFieldPolicyFile)
	if !ok || path == "" {
		return callsession.DefaultPolicy(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s=%q cannot be opened: %w", EnvFieldPolicyFile, path, err)
	}
	defer f.Close()
	p, err := callsession.LoadPolicy(f)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", EnvFieldPolicyFile, path, err)
	}
	return p, nil
}

// Required returns the value of a variable that must be set and non-empty.
func Required(lookup Lookup, name string) (string, error) {
	v, ok := lookup(name)
	if !ok || v == "" {
		return "", fmt.Errorf("%s is not set: set it to the value the deployment gives", name)
	}
	return v, nil
}

// Optional returns the value of a variable, or "" when it is not set.
func Optional(lookup Lookup, name string) string {
	v, _ := lookup(name)
	return v
}

func duration(lookup Lookup, name string, dst *time.Duration) error {
	v, ok := lookup(name)
	if !ok || v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%s=%q is not a duration: write it like 10m or 2160h", name, v)
	}
	*dst = d
	return nil
}

func integer(lookup Lookup, name string, dst *int) error {
	v, ok := lookup(name)
	if !ok || v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%s=%q is not a whole number: write it like 4", name, v)
	}
	*dst = n
	return nil
}
