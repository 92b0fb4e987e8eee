// Package lambdaarch names the CPU architecture of the Lambda functions in
// one place. The Makefile cross-compiles the bootstrap binaries for GOARCH
// (through infra/cmd/goarch) and the CDK stack picks the matching Lambda
// architecture, so the two cannot drift apart. The package imports nothing,
// so reading the constant compiles in a second.
package lambdaarch

// GOARCH is the Go architecture of every function's bootstrap binary. Lambda
// bills arm64 (Graviton) 20% less per GB-second than x86_64 (0.0000133334
// against 0.0000166667 USD in us-east-1), and Go cross-compiles to it
// without cgo.
const GOARCH = "arm64"
