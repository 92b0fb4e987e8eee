// Command infra is the AWS CDK app of You Rang?. The CDK CLI runs it (see
// cdk.json at the repository root) to synthesize the stack into cdk.out.
// It reads the configuration from CDK context values, documented in
// docs/infrastructure.md, and exits non-zero with a message naming the
// context key when one is missing or invalid.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/yourang/yourang/infra/stack"
)

// Context keys read here rather than by the stack package.
const (
	// contextStackName names the CloudFormation stack, so that one account
	// can hold several deployments (for example a staging one).
	contextStackName = "stackName"
	// contextAssetRoot is the directory of the built bootstrap binaries,
	// relative to the directory that the CDK CLI runs in.
	contextAssetRoot = "lambdaAssetRoot"
)

func main() {
	err := run()
	// Stop the jsii runtime's Node process before exiting either way.
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	lookup := func(key string) any {
		return app.Node().TryGetContext(jsii.String(key))
	}

	cfg, err := stack.ConfigFromContext(lookup)
	if err != nil {
		return err
	}
	stackName := stringOr(lookup(contextStackName), "YouRang")
	assetRoot := stringOr(lookup(contextAssetRoot), "build/lambda")

	// The stack is environment-agnostic: the account and region come from
	// the credentials at deploy time, and synth needs none.
	_, err = stack.New(app, stackName, stack.Props{
		StackProps: awscdk.StackProps{
			Description: jsii.String("You Rang? call confirmation service"),
		},
		Config:    cfg,
		AssetRoot: assetRoot,
	})
	if err != nil {
		return err
	}

	app.Synth(nil)
	return nil
}

// stringOr returns value when it is a non-empty string, else fallback.
func stringOr(value any, fallback string) string {
	if s, ok := value.(string); ok && s != "" {
		return s
	}
	return fallback
}
