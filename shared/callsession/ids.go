package callsession

import (
	"crypto/rand"
	"encoding/base32"
	"math/big"
	"strings"
)

var callIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewCallID returns a random call id with 130 bits of entropy, so that ids
// cannot be guessed.
func NewCallID() string {
	b := make([]byte, 17)
	rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24
	return "call_" + strings.ToLower(callIDEncoding.EncodeToString(b))[:26]
}

// NewMatchCode returns a uniformly random code of the given number of digits,
// leading zeros included.
func NewMatchCode(digits int) string {
	limit := big.NewInt(1)
	for range digits {
		limit.Mul(limit, big.NewInt(10))
	}
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		panic("crypto/rand failed: " + err.Error()) // unreachable: crypto/rand does not fail on supported platforms
	}
	s := n.String()
	return strings.Repeat("0", digits-len(s)) + s
}
