package stack

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/metricnames"
)

// CDK context keys that configure the stack. Pass them with
// `cdk synth -c key=value` or under "context" in cdk.json.
const (
	ContextJWTIssuer                 = "jwtIssuer"
	ContextJWTAudience               = "jwtAudience"
	ContextAPNSApplicationARN        = "apnsApplicationArn"
	ContextAPNSSandboxApplicationARN = "apnsSandboxApplicationArn"
	ContextGCMApplicationARN         = "gcmApplicationArn"
	ContextAnswerWindow              = "answerWindow"
	ContextAccessWindow              = "accessWindow"
	ContextRetention                 = "retention"
	ContextMatchCodeDigits           = "matchCodeDigits"
	ContextPushBudget                = "pushBudget"
	ContextMetricsNamespace          = "metricsNamespace"
	ContextThrottleRateLimit         = "throttleRateLimit"
	ContextThrottleBurstLimit        = "throttleBurstLimit"
	ContextAlarmEmail                = "alarmEmail"
)

// Default stage throttling of the HTTP API. A call costs about six requests
// spread over minutes, so 100 requests per second serves hundreds of agents
// at once while capping what a runaway client can cost. The account-wide
// API Gateway quota (10,000 requests per second by default) is far above.
const (
	DefaultThrottleRateLimit  = 100
	DefaultThrottleBurstLimit = 200
)

// namespacePattern matches the CloudWatch namespaces that the dashboard's
// SEARCH expressions can quote, a subset of what CloudWatch accepts (which
// also allows spaces).
var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9._/#:-]{1,255}$`)

// Config is the deployment configuration of the stack, read from CDK context
// values by ConfigFromContext.
type Config struct {
	// JWTIssuer is the https URL of the OpenID Connect issuer that signs the
	// customers' tokens. API Gateway reads its keys from the issuer's
	// /.well-known/openid-configuration.
	JWTIssuer string
	// JWTAudience lists the accepted values of the token's aud claim (or,
	// for access tokens without aud, client_id); at least one.
	JWTAudience []string

	// Push holds the SNS platform applications. Each is optional, but at
	// least one must be set.
	Push PlatformApplications

	// Session holds the windows and limits that the functions enforce.
	// Only AnswerWindow, AccessWindow, Retention, MatchCodeDigits and
	// PushBudget are deployed, to every function. The functions take the
	// other fields from callsession.DefaultConfig, whatever this holds.
	Session callsession.Config
	// MetricsNamespace is the CloudWatch namespace of the business metrics.
	MetricsNamespace string

	// ThrottleRateLimit is the steady-state request rate of the API stage,
	// in requests per second; ThrottleBurstLimit is its bucket size, in
	// requests.
	ThrottleRateLimit  float64
	ThrottleBurstLimit float64

	// AlarmEmail, when set, subscribes this address to the alarm topic.
	// AWS sends a confirmation message that the owner must accept.
	AlarmEmail string
}

// PlatformApplications holds the SNS platform applications that the devices
// function registers phones with and callstart publishes through. An empty
// ARN means the platform is not configured.
type PlatformApplications struct {
	APNS        PlatformApplicationARN
	APNSSandbox PlatformApplicationARN
	GCM         PlatformApplicationARN
}

// Configured returns the ARNs that are set.
func (p PlatformApplications) Configured() []PlatformApplicationARN {
	var out []PlatformApplicationARN
	for _, a := range []PlatformApplicationARN{p.APNS, p.APNSSandbox, p.GCM} {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

// PlatformApplicationARN is the ARN of an SNS platform application, of the
// form arn:aws:sns:<region>:<account>:app/<platform>/<name>.
type PlatformApplicationARN string

// EndpointARNPattern returns the ARN pattern that matches every platform
// endpoint of the application,
// arn:aws:sns:<region>:<account>:endpoint/<platform>/<name>/*.
func (a PlatformApplicationARN) EndpointARNPattern() string {
	prefix, resource, _ := strings.Cut(string(a), ":app/")
	return prefix + ":endpoint/" + resource + "/*"
}

// parsePlatformApplicationARN checks that value is the ARN of an SNS platform
// application for platform (APNS, APNS_SANDBOX or GCM).
func parsePlatformApplicationARN(key, value, platform string) (PlatformApplicationARN, error) {
	if value == "" {
		return "", nil
	}
	parts := strings.Split(value, ":")
	resource := strings.Split(parts[len(parts)-1], "/")
	valid := len(parts) == 6 && parts[0] == "arn" && parts[2] == "sns" &&
		parts[3] != "" && parts[4] != "" &&
		len(resource) == 3 && resource[0] == "app" && resource[2] != ""
	if !valid {
		return "", fmt.Errorf("context value %s=%q is not an SNS platform application ARN: expected arn:aws:sns:<region>:<account>:app/%s/<name>", key, value, platform)
	}
	if resource[1] != platform {
		return "", fmt.Errorf("context value %s=%q names platform %s: expected an application of platform %s", key, value, resource[1], platform)
	}
	return PlatformApplicationARN(value), nil
}

// ConfigFromContext reads the configuration from CDK context values through
// lookup, which returns nil for a key that is not set (as
// constructs.Node.TryGetContext does). Values may be strings, as `-c` passes
// them, or JSON numbers from cdk.json. It returns an error naming the
// context key of the first missing or invalid value.
func ConfigFromContext(lookup func(key string) any) (Config, error) {
	r := contextReader{lookup: lookup}
	cfg := Config{
		JWTIssuer:          r.string(ContextJWTIssuer, ""),
		JWTAudience:        splitList(r.string(ContextJWTAudience, "")),
		MetricsNamespace:   r.string(ContextMetricsNamespace, metricnames.DefaultNamespace),
		ThrottleRateLimit:  r.number(ContextThrottleRateLimit, DefaultThrottleRateLimit),
		ThrottleBurstLimit: r.number(ContextThrottleBurstLimit, DefaultThrottleBurstLimit),
		AlarmEmail:         r.string(ContextAlarmEmail, ""),
	}

	defaults := callsession.DefaultConfig()
	cfg.Session = defaults
	cfg.Session.AnswerWindow = r.duration(ContextAnswerWindow, defaults.AnswerWindow)
	cfg.Session.AccessWindow = r.duration(ContextAccessWindow, defaults.AccessWindow)
	cfg.Session.Retention = r.duration(ContextRetention, defaults.Retention)
	cfg.Session.MatchCodeDigits = int(r.number(ContextMatchCodeDigits, float64(defaults.MatchCodeDigits)))
	cfg.Session.PushBudget = int(r.number(ContextPushBudget, float64(defaults.PushBudget)))

	cfg.Push.APNS = r.platformApplication(ContextAPNSApplicationARN, "APNS")
	cfg.Push.APNSSandbox = r.platformApplication(ContextAPNSSandboxApplicationARN, "APNS_SANDBOX")
	cfg.Push.GCM = r.platformApplication(ContextGCMApplicationARN, "GCM")

	if r.err != nil {
		return Config{}, r.err
	}
	return cfg, cfg.Validate()
}

// Validate returns an error naming the context key of the first value that is
// missing or out of range.
func (c Config) Validate() error {
	issuer, err := url.Parse(c.JWTIssuer)
	switch {
	case c.JWTIssuer == "":
		return fmt.Errorf("context value %s is missing: set it to the https URL of the OpenID Connect issuer of customer tokens, for example -c %s=https://login.example.com", ContextJWTIssuer, ContextJWTIssuer)
	case err != nil || issuer.Scheme != "https" || issuer.Host == "":
		return fmt.Errorf("context value %s=%q is invalid: expected an https URL with a host", ContextJWTIssuer, c.JWTIssuer)
	case len(c.JWTAudience) == 0:
		return fmt.Errorf("context value %s is missing: set it to the comma-separated audiences (client ids) of customer tokens, for example -c %s=yourang-app", ContextJWTAudience, ContextJWTAudience)
	case len(c.Push.Configured()) == 0:
		return fmt.Errorf("no SNS platform application is configured: set at least one of the context values %s, %s, %s, because the callstart and devices functions do not start without one",
			ContextAPNSApplicationARN, ContextAPNSSandboxApplicationARN, ContextGCMApplicationARN)
	case !namespacePattern.MatchString(c.MetricsNamespace) || strings.HasPrefix(c.MetricsNamespace, "AWS/"):
		return fmt.Errorf("context value %s=%q is invalid: expected 1 to 255 letters, digits or . - _ / # : that do not start with AWS/", ContextMetricsNamespace, c.MetricsNamespace)
	case c.ThrottleRateLimit <= 0:
		return fmt.Errorf("context value %s=%v is invalid: expected requests per second above 0", ContextThrottleRateLimit, c.ThrottleRateLimit)
	case c.ThrottleBurstLimit < 1 || c.ThrottleBurstLimit != float64(int64(c.ThrottleBurstLimit)):
		return fmt.Errorf("context value %s=%v is invalid: expected a whole number of requests, at least 1", ContextThrottleBurstLimit, c.ThrottleBurstLimit)
	}
	if err := c.deployedSession().Validate(); err != nil {
		return fmt.Errorf("call session settings from context values %s, %s, %s, %s, %s are invalid together: %w",
			ContextAnswerWindow, ContextAccessWindow, ContextRetention, ContextMatchCodeDigits, ContextPushBudget, err)
	}
	return nil
}

// deployedSession returns the call session rules that every function builds
// at cold start (settings.SessionConfig): callsession.DefaultConfig with the
// five deployed values of c.Session. Validating this, rather than c.Session,
// rejects at synth exactly the combinations that would stop the functions
// from starting.
func (c Config) deployedSession() callsession.Config {
	cfg := callsession.DefaultConfig()
	cfg.AnswerWindow = c.Session.AnswerWindow
	cfg.AccessWindow = c.Session.AccessWindow
	cfg.Retention = c.Session.Retention
	cfg.MatchCodeDigits = c.Session.MatchCodeDigits
	cfg.PushBudget = c.Session.PushBudget
	return cfg
}

// contextReader reads typed context values and keeps the first error, so
// ConfigFromContext reads as a list of settings.
type contextReader struct {
	lookup func(key string) any
	err    error
}

// raw returns the value of key as a trimmed string, or "" when it is not set.
func (r *contextReader) raw(key string) string {
	switch v := r.lookup(key).(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		r.fail(fmt.Errorf("context value %s=%v is invalid: expected a string or a number, got %T", key, v, v))
		return ""
	}
}

func (r *contextReader) string(key, fallback string) string {
	if v := r.raw(key); v != "" {
		return v
	}
	return fallback
}

func (r *contextReader) number(key string, fallback float64) float64 {
	v := r.raw(key)
	if v == "" {
		return fallback
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(fmt.Errorf("context value %s=%q is not a number", key, v))
	}
	return n
}

func (r *contextReader) duration(key string, fallback time.Duration) time.Duration {
	v := r.raw(key)
	if v == "" {
		return fallback
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(fmt.Errorf("context value %s=%q is not a Go duration such as 10m or 2160h", key, v))
	}
	return d
}

func (r *contextReader) platformApplication(key, platform string) PlatformApplicationARN {
	arn, err := parsePlatformApplicationARN(key, r.raw(key), platform)
	if err != nil {
		r.fail(err)
	}
	return arn
}

func (r *contextReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// splitList splits a comma-separated list and drops empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
