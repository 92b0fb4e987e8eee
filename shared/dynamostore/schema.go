package dynamostore

// The table's key schema, index and TTL attribute. The CDK stack creates the
// table from these constants, so the store and the deployed table cannot
// drift apart. docs/dynamodb.md explains the design.
const (
	// PartitionKey and SortKey are the table's primary key, both strings.
	PartitionKey = "pk"
	SortKey      = "sk"

	// CustomerIndex is the global secondary index that lists a customer's
	// sessions newest first; its keys are strings and it projects all
	// attributes.
	CustomerIndex             = "by_customer"
	CustomerIndexPartitionKey = "gsi1pk"
	CustomerIndexSortKey      = "gsi1sk"

	// TTLAttribute holds the end of retention in epoch seconds, as a Number.
	TTLAttribute = "expires_at"
)
