package snstest

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// RetryBackoff is the delay between attempts of clients from NewClient.
const RetryBackoff = time.Millisecond

// NewClient returns a real SNS client for the server: region Region, dummy
// static credentials and BaseEndpoint s.URL. Its standard retryer keeps the
// SDK's retry rules and default of 3 attempts, but waits only RetryBackoff
// between attempts and has no retry quota, so tests of throttling run fast
// and repeatably. optFns are applied last.
func (s *Server) NewClient(optFns ...func(*sns.Options)) *sns.Client {
	opts := sns.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDSNSTEST", SecretAccessKey: "snstest-secret", Source: "snstest"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return RetryBackoff, nil })
			o.RateLimiter = ratelimit.None
		}),
	}
	return sns.New(opts, optFns...)
}
