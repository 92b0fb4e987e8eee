package stack_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/yourang/yourang/infra/stack"
	"github.com/yourang/yourang/shared/httpapi"
	"github.com/yourang/yourang/shared/lambdaapp"
)

// deployedValues stands in for the values that CloudFormation resolves at
// deploy time, such as the table name, with values of the same shape.
var deployedValues = map[string]string{
	lambdaapp.EnvTableName:     "YouRang-Table-1A2B3C4D5E6F",
	lambdaapp.EnvFraudTopicARN: "arn:aws:sns:eu-west-2:123456789012:YouRang-FraudTopic-1A2B3C4D5E6F",
}

// TestFunctionsStartWithStackEnvironment runs each function's cold start,
// lambdaapp.New, on the environment the stack gives it. A function whose
// environment lacks a variable it requires would exit at every cold start
// in AWS, which no template assertion would show.
func TestFunctionsStartWithStackEnvironment(t *testing.T) {
	s := build(t)
	awsCfg := aws.Config{
		Region:      "eu-west-2",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}

	for _, name := range stack.FunctionNames {
		t.Run(name, func(t *testing.T) {
			vars := s.environment(t, name)
			lookup := func(key string) (string, bool) {
				v, ok := vars[key]
				if !ok {
					return "", false
				}
				if str, isString := v.(string); isString {
					return str, true
				}
				// A CloudFormation reference, resolved at deploy time.
				resolved, known := deployedValues[key]
				if !known {
					t.Fatalf("%s: %s is a CloudFormation value this test cannot stand in for: %v", name, key, v)
				}
				return resolved, true
			}

			if _, err := lambdaapp.New(awsCfg, httpapi.Group(name), lookup, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
				t.Errorf("cold start with the stack's environment failed: %v", err)
			}
		})
	}
}
