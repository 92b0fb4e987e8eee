// Command yourang-local runs the whole You Rang? service on one machine with
// no AWS account: the same HTTP handlers as the Lambda functions, the
// embedded store (or DynamoDB Local), and a push outbox that records what
// would have been published to SNS. It listens on loopback only.
//
// Configuration is by environment variable; see docs/local-mode.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/emf"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/metricnames"
	"github.com/yourang/yourang/shared/outbox"
	"github.com/yourang/yourang/shared/settings"
)

// The environment variables of the local mode, beside those of package
// settings.
const (
	envListen         = "YOURANG_LISTEN"          // host:port on loopback, default 127.0.0.1:8080
	envAgentToken     = "YOURANG_AGENT_TOKEN"     // bearer token of the agent tool
	envCustomerTokens = "YOURANG_CUSTOMER_TOKENS" // customer_id=token pairs, comma-separated
	envStore          = "YOURANG_STORE"           // "memory" (default) or "dynamodb-local"
)

const defaultListen = "127.0.0.1:8080"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.LookupEnv, os.Stdout, log); err != nil {
		log.Error("local mode stopped", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is done. It prints the URL, the credentials and the
// walk-through to out, and logs to log.
func run(ctx context.Context, lookup settings.Lookup, out io.Writer, log *slog.Logger) error {
	cfg, err := loadConfig(lookup)
	if err != nil {
		return err
	}

	st, closeStore, err := openStore(ctx, cfg.store, log)
	if err != nil {
		return err
	}
	defer closeStore()

	box := outbox.New()
	svc := callsession.NewService(demoDevices{Store: st, pusher: box}, cfg.session,
		callsession.WithPusher(box),
		callsession.WithPolicy(cfg.policy),
		callsession.WithLogger(log),
		// Metric lines go to stderr beside the logs, as CloudWatch would
		// receive them, so that stdout keeps the walk-through readable.
		callsession.WithMetrics(emf.New(os.Stderr, metricnames.DefaultNamespace, "local")),
	)
	api := httpapi.New(svc, cfg.tokens,
		httpapi.WithLogger(log),
		httpapi.WithHandler("GET /local/outbox", outboxHandler(box, cfg.tokens)),
	)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen on %s failed: %w (set %s to a free loopback address)", cfg.listen, err, envListen)
	}
	srv := &http.Server{
		Handler:           logRequests(api, log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
	}

	baseURL := "http://" + ln.Addr().String()
	printWalkthrough(out, baseURL, cfg)
	log.Info("local mode started", "url", baseURL, "store", cfg.store)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("stopping local mode")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("local mode stopped cleanly")
	return nil
}

// logRequests logs one line per request, with no body, token or query.
func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
