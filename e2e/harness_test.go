package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yourang/yourang/shared/dynamolocal"
)

// The environment variables that `make test` sets for these tests.
const (
	envRIE      = "YOURANG_RIE"           // path of the aws-lambda-rie binary
	envBuildDir = "YOURANG_RIE_BUILD_DIR" // directory with <function>/bootstrap built for the host
)

// requireOrSkip skips the test when a tool is missing, or fails it when
// `make test` asked for the integration tests to run.
func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(dynamolocal.RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 requires the integration tests to run)", msg, dynamolocal.RequireEnv)
	}
	t.Skipf("skipping test that needs the Lambda emulator: %s; run make test", msg)
}

// tools returns the emulator binary and the directory of the bootstraps.
func tools(t *testing.T) (rie, buildDir string) {
	t.Helper()
	rie, buildDir = os.Getenv(envRIE), os.Getenv(envBuildDir)
	if rie == "" || buildDir == "" {
		requireOrSkip(t, "%s and %s are not set", envRIE, envBuildDir)
	}
	if _, err := os.Stat(rie); err != nil {
		requireOrSkip(t, "Lambda emulator %s not found", rie)
	}
	return rie, buildDir
}

// lambdaFunc is one function's bootstrap running under the emulator.
type lambdaFunc struct {
	name      string
	invokeURL string
	logs      *lockedBuffer
}

// startFunction runs the named function's bootstrap under the emulator with
// env, on free loopback ports, and stops it when the test ends.
func startFunction(t *testing.T, name string, env map[string]string) *lambdaFunc {
	t.Helper()
	rie, buildDir := tools(t)
	bootstrap := filepath.Join(buildDir, name, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		t.Fatalf("bootstrap of %s not found at %s: run make build-rie", name, bootstrap)
	}

	apiAddr, runtimeAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", apiAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_LOG_FORMAT=JSON"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s under the emulator: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs.String())
		}
	})

	waitListening(t, apiAddr)
	return &lambdaFunc{name: name, invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations", logs: logs}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("emulator did not listen on %s within 10s", addr)
}

// invoke sends one event and returns the function's API Gateway response.
// An invocation that fails (the function crashed or returned an error)
// fails the test.
func (f *lambdaFunc) invoke(t *testing.T, event []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	raw, err := f.invokeRaw(event)
	if err != nil {
		t.Fatalf("invoke %s: %v", f.name, err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode == 0 {
		t.Fatalf("invoke %s: answer is not an API Gateway response: %s", f.name, raw)
	}
	return resp
}

func (f *lambdaFunc) invokeRaw(event []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.invokeURL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" || bytes.Contains(body, []byte(`"errorType"`)) {
		return body, errors.New("function error: " + string(body))
	}
	return body, nil
}

// lockedBuffer collects a process's output for the test to read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitForLog waits until the function's output contains s.
func (f *lambdaFunc) waitForLog(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if out := f.logs.String(); strings.Contains(out, s) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not log %q within 10s; log:\n%s", f.name, s, f.logs.String())
	return ""
}
