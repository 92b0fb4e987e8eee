package main

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/devauth"
	"github.com/yourang/yourang/shared/settings"
)

// config is the local mode's configuration, read once at start.
type config struct {
	listen  string
	store   string
	tokens  devauth.Tokens
	session callsession.Config
	policy  *callsession.Policy
	// generated reports whether the tokens were made up at start, in which
	// case they change on every start.
	generated bool
}

func loadConfig(lookup settings.Lookup) (config, error) {
	cfg := config{listen: defaultListen, store: "memory"}
	if v := settings.Optional(lookup, envListen); v != "" {
		cfg.listen = v
	}
	if err := checkLoopback(cfg.listen); err != nil {
		return cfg, err
	}
	if v := settings.Optional(lookup, envStore); v != "" {
		cfg.store = v
	}
	if cfg.store != "memory" && cfg.store != "dynamodb-local" {
		return cfg, fmt.Errorf("%s=%q is not a store: use memory or dynamodb-local", envStore, cfg.store)
	}

	var err error
	if cfg.tokens, cfg.generated, err = loadTokens(lookup); err != nil {
		return cfg, err
	}
	if cfg.session, err = settings.SessionConfig(lookup); err != nil {
		return cfg, err
	}
	if cfg.policy, err = settings.FieldPolicy(lookup); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// loadTokens takes the tokens from the environment, or makes up random ones
// for the agent tool and two demo customers.
func loadTokens(lookup settings.Lookup) (devauth.Tokens, bool, error) {
	agent := settings.Optional(lookup, envAgentToken)
	customers := settings.Optional(lookup, envCustomerTokens)
	generated := agent == "" && customers == ""

	t := devauth.Tokens{Agent: agent}
	if t.Agent == "" {
		t.Agent = devauth.NewToken("agent")
	}
	if customers == "" {
		t.Customers = map[string]string{
			"cus_0001": devauth.NewToken("cus"),
			"cus_0002": devauth.NewToken("cus"),
		}
	} else {
		var err error
		if t.Customers, err = devauth.ParseCustomers(customers); err != nil {
			return t, false, fmt.Errorf("%s: %w", envCustomerTokens, err)
		}
	}
	if err := t.Validate(); err != nil {
		return t, false, fmt.Errorf("development tokens: %w (check %s and %s)", err, envAgentToken, envCustomerTokens)
	}
	return t, generated, nil
}

// checkLoopback rejects listen addresses off the loopback interface: the
// local mode has development credentials and must not be reachable from
// the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%q is not host:port: write it like 127.0.0.1:8080", envListen, addr)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%s=%q is not a loopback address: the local mode listens on 127.0.0.1 or [::1] only", envListen, addr)
	}
	return nil
}
