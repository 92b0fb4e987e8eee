// Package dynamolocal starts and stops DynamoDB Local, AWS's DynamoDB
// emulator, for the tests and for the local mode. The emulator is the jar
// that the npm package amplify-dynamodb-simulator installs under
// tools/node_modules; it needs a Java runtime on the PATH.
package dynamolocal

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DirEnv names the environment variable that overrides where the emulator
// is: the directory that contains DynamoDBLocal.jar and DynamoDBLocal_lib.
const DirEnv = "YOURANG_DYNAMODB_LOCAL_DIR"

// moduleEmulatorDir is the directory, relative to the module root, into
// which npm installs the emulator.
const moduleEmulatorDir = "tools/node_modules/amplify-dynamodb-simulator/emulator"

// The dummy credentials and region of every client. DynamoDB Local keeps a
// separate database per access key and region, so all clients that should
// see the same tables must use these.
const (
	AccessKeyID     = "local"
	SecretAccessKey = "local"
	Region          = "us-east-1"
)

// ErrNotInstalled is returned by [Start] when the emulator jar or the java
// command is missing.
var ErrNotInstalled = errors.New("DynamoDB Local is not installed")

// Options configures [Start]. The zero value finds the emulator in
// $YOURANG_DYNAMODB_LOCAL_DIR or else in the module's tools/node_modules,
// runs the java on the PATH and picks a free port.
type Options struct {
	// Dir is the directory that contains DynamoDBLocal.jar. Empty means
	// $YOURANG_DYNAMODB_LOCAL_DIR, else tools/node_modules under the module
	// root.
	Dir string
	// Java is the java command; empty means "java" from the PATH.
	Java string
	// Port is the TCP port; 0 picks a free one.
	Port int
	// StartTimeout bounds the wait until the emulator accepts requests;
	// 0 means 30 seconds.
	StartTimeout time.Duration
}

// Server is a running DynamoDB Local process with an in-memory database.
type Server struct {
	cmd      *exec.Cmd
	endpoint string
	exited   chan struct{} // closed when the process has exited
	output   *syncBuffer   // the process's stdout and stderr

	closeOnce sync.Once
}

// Start runs DynamoDB Local in memory, with telemetry off, on a free port
// that clients reach through 127.0.0.1, and waits until it accepts requests. The caller must call
// [Server.Close]. Start returns an error wrapping [ErrNotInstalled] when the
// jar or java is missing.
func Start(ctx context.Context, opts Options) (*Server, error) {
	dir, err := emulatorDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath(cmp.Or(opts.Java, "java"))
	if err != nil {
		return nil, fmt.Errorf("%w: java not found on the PATH: install a Java runtime (17 or newer): %v", ErrNotInstalled, err)
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}

	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		exited:   make(chan struct{}),
		output:   &syncBuffer{},
	}
	if err := s.run(java, dir, port); err != nil {
		return nil, err
	}

	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if err := s.waitReady(ctx, timeout); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) run(java, dir string, port int) error {
	s.cmd = exec.Command(java,
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
		"-inMemory",
		// Without this flag the emulator sends usage data to AWS.
		"-disableTelemetry",
		// Browsers may call it only from pages on this machine; the default
		// allows every origin.
		"-cors", "http://127.0.0.1,http://localhost",
		// NOTE: DynamoDB Local 1.25.1 has no option to choose its listen
		// address, so it listens on every interface; every client here
		// reaches it through 127.0.0.1.
		"-port", strconv.Itoa(port))
	s.cmd.Dir = dir
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	// A process group of its own lets Close kill the JVM with any children;
	// Pdeathsig kills it when the test binary dies without running Close.
	// NOTE: Pdeathsig fires when the OS thread that started the process
	// exits, which the Go runtime does only for threads locked by
	// runtime.LockOSThread.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start DynamoDB Local: %w", err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// waitReady polls the port until the emulator responds to HTTP. Any response,
// even an error status for the unsigned request, means it is serving.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()

	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint, nil)
		if err != nil {
			return fmt.Errorf("probe DynamoDB Local: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}

		select {
		case <-s.exited:
			return fmt.Errorf("DynamoDB Local exited before it was ready (%s): %s", s.cmd.ProcessState, s.output.tail(2000))
		case <-ctx.Done():
			return fmt.Errorf("DynamoDB Local at %s not ready after %s: %w: %s", s.endpoint, timeout, ctx.Err(), s.output.tail(2000))
		case <-tick.C:
		}
	}
}

// Endpoint returns the base URL of the server, http://127.0.0.1:<port>.
func (s *Server) Endpoint() string { return s.endpoint }

// Client returns a DynamoDB client for the server with the dummy
// credentials and region. optFns change the client options, for example to
// add middleware.
func (s *Server) Client(optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return NewClient(s.endpoint, optFns...)
}

// NewClient returns a DynamoDB client for a DynamoDB Local endpoint with the
// dummy credentials and region.
func NewClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	opts := dynamodb.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	}
	return dynamodb.New(opts, optFns...)
}

// Close kills the server's process group and waits for the process to exit.
// The in-memory data is lost. Close may be called more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if kerr := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			err = fmt.Errorf("kill DynamoDB Local process group %d: %w", s.cmd.Process.Pid, kerr)
		}
		<-s.exited
	})
	return err
}

// emulatorDir returns the directory with DynamoDBLocal.jar: dir if set, else
// $YOURANG_DYNAMODB_LOCAL_DIR, else tools/node_modules under the module root.
func emulatorDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv(DirEnv)
	}
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, moduleEmulatorDir)
	}

	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Errorf("%w: %s not found: run make deps (npm ci in tools/), or set %s to the directory that contains DynamoDBLocal.jar",
			ErrNotInstalled, jar, DirEnv)
	}
	return dir, nil
}

// moduleRoot walks up from the working directory to the directory with
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod above the working directory: set %s to the directory that contains DynamoDBLocal.jar",
				ErrNotInstalled, DirEnv)
		}
		dir = parent
	}
}

// freePort returns a port on 127.0.0.1 that the kernel reports free.
// NOTE: another process can take the port between this check and the
// emulator's start, and Start then fails with the emulator's bind error.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects process output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail returns at most the last n bytes of output.
func (b *syncBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.buf.Bytes()
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return string(bytes.TrimSpace(out))
}
