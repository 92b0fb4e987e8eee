// Package e2e holds the end-to-end tests of the Lambda functions: each
// function's bootstrap runs under the AWS Lambda Runtime Interface Emulator,
// against DynamoDB Local and the SNS test server, and is invoked with API
// Gateway HTTP API payload 2.0 events. The package has no code of its own.
package e2e
