// Package callsession holds the domain of You Rang?: the call session and its
// states, the rules for starting, answering and expiring it, the gate policy
// that decides per field what an agent may see, and the service that ties
// them to a store and a push channel.
//
// The package imports nothing from AWS. Adapters for DynamoDB, SNS, the
// embedded store and the local push outbox live in sibling packages and
// implement the [Store] and [Pusher] interfaces declared here.
//
// Time always comes from a [Clock], so every window edge can be tested
// without sleeping. Validity is decided from the stored times, never from
// whether an item still exists, because DynamoDB deletes expired items late.
package callsession
