// Command callstart is the Lambda function that starts call sessions and pushes the
// prompt to the customer's phones: POST /v1/calls and GET /v1/calls/{call_id}.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/lambdaapp"
)

func main() {
	// Clients are built once per cold start and reused by every invocation.
	log := lambdacontext.NewLogger()
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	var h *lambdaapp.Handler
	if err == nil {
		h, err = lambdaapp.New(awsCfg, httpapi.GroupCallStart, os.LookupEnv, log)
	}
	if err != nil {
		log.Error("callstart function not started: invalid configuration", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
