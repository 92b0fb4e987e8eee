package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/dynamolocal"
	"github.com/yourang/yourang/shared/dynamostore"
	"github.com/yourang/yourang/shared/memstore"
)

// openStore returns the store the local mode runs on and a function that
// releases it.
func openStore(ctx context.Context, kind string, log *slog.Logger) (callsession.Store, func(), error) {
	switch kind {
	case "dynamodb-local":
		return openDynamoDBLocal(ctx, log)
	default:
		return memstore.New(), func() {}, nil
	}
}

// openDynamoDBLocal starts DynamoDB Local (installed by npm from
// package.json), creates the table, and returns the DynamoDB store on it.
// Stopping the local mode stops the emulator, and the data with it.
func openDynamoDBLocal(ctx context.Context, log *slog.Logger) (callsession.Store, func(), error) {
	srv, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("start DynamoDB Local (run `npm ci` first, and check that java is installed): %w", err)
	}
	stop := func() {
		if err := srv.Close(); err != nil {
			log.Warn("stop DynamoDB Local failed", "err", err)
		}
	}

	client := srv.Client()
	if err := dynamostore.CreateTable(ctx, client, localTable); err != nil {
		stop()
		return nil, nil, fmt.Errorf("create table %s in DynamoDB Local: %w", localTable, err)
	}
	log.Info("DynamoDB Local started", "endpoint", srv.Endpoint(), "table", localTable)
	return dynamostore.New(client, localTable), stop, nil
}

// localTable is the table name in DynamoDB Local.
const localTable = "yourang-local"
