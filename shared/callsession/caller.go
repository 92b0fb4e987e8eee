package callsession

// CallerKind is the kind of an authenticated caller.
type CallerKind string

// The kinds of callers.
const (
	// CallerAgent is an agent tool, authenticated by AWS IAM in AWS.
	CallerAgent CallerKind = "agent"
	// CallerCustomer is the bank's app acting for one customer, authenticated
	// by a JWT whose sub claim is the customer id.
	CallerCustomer CallerKind = "customer"
)

// Caller is the authenticated identity behind a request.
type Caller struct {
	Kind CallerKind
	// ID is the IAM principal ARN of an agent tool, or the customer id.
	ID string
}

// require returns a CodeForbidden error unless c is of kind k.
func (c Caller) require(k CallerKind) error {
	if c.ID == "" {
		return Errorf(CodeUnauthenticated, "credentials are missing or invalid: sign the request")
	}
	if c.Kind != k {
		return Errorf(CodeForbidden, "this operation is for %s callers, and the credentials are those of a %s caller", k, c.Kind)
	}
	return nil
}
