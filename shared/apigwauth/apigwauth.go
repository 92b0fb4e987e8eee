// Package apigwauth takes the caller of a request from the API Gateway HTTP
// API request context that the Lambda adapter puts on the request: the IAM
// principal for agent routes, and the JWT sub claim for customer routes.
// API Gateway has already verified the signature or the token; this package
// only reads the identity that it passed on.
package apigwauth

import (
	"net/http"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/httpapi"
)

var _ httpapi.Authenticator = Authenticator{}

// Authenticator reads callers from the API Gateway request context.
type Authenticator struct{}

// Authenticate implements [httpapi.Authenticator]. A request with neither an
// IAM nor a JWT authorizer context has no caller.
func (Authenticator) Authenticate(r *http.Request) (callsession.Caller, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil {
		return callsession.Caller{}, nil
	}

	if iam := rc.Authorizer.IAM; iam != nil && iam.UserARN != "" {
		return callsession.Caller{Kind: callsession.CallerAgent, ID: iam.UserARN}, nil
	}
	if jwt := rc.Authorizer.JWT; jwt != nil {
		sub := jwt.Claims["sub"]
		if sub == "" {
			return callsession.Caller{}, callsession.Errorf(callsession.CodeUnauthenticated, "token has no sub claim: issue customer tokens with the customer id as sub")
		}
		if callsession.ValidateCustomerID(sub) != nil {
			return callsession.Caller{}, callsession.Errorf(callsession.CodeUnauthenticated, "token sub claim is not a valid customer id: use up to 128 letters, digits and . _ : @ + = | -")
		}
		return callsession.Caller{Kind: callsession.CallerCustomer, ID: sub}, nil
	}
	return callsession.Caller{}, nil
}
