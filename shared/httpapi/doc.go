// Package httpapi serves the You Rang? HTTP API (v1) on net/http. The same
// handler runs inside the Lambda functions, behind an API Gateway adapter,
// and in the local mode; only the [Authenticator] differs.
//
// Errors are application/problem+json (RFC 9457). One table, statusFor, maps
// the domain error codes to HTTP statuses, and details of internal errors
// are logged, never returned.
package httpapi
