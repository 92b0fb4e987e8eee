# You Rang? — build, run, test and deploy. `make run` starts the local mode;
# `make test` installs what the tests need and runs them all.

SHELL := /bin/bash
GO ?= go
FUNCTIONS := callstart respond gate devices
BIN := $(CURDIR)/bin
# The npm packages pinned in tools/package.json: DynamoDB Local and the CDK CLI.
NPM_STAMP := tools/node_modules/.package-lock.json
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := $(BIN)/aws-lambda-rie
# The architecture of the deployed Lambda binaries, from the constant that
# the stack also reads (infra/lambdaarch).
LAMBDA_GOARCH ?= $(shell $(GO) run ./infra/cmd/goarch)
CDK := tools/node_modules/.bin/cdk
# Keep the CDK CLI off the network where AWS is not needed: no telemetry, no
# version check. cdk.json turns off notices as well.
CDK_ENV := CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true
# Context values for synth and deploy, for example
# CDK_ARGS='-c jwtIssuer=https://login.bank.example -c jwtAudience=bank-app
#           -c apnsApplicationArn=arn:aws:sns:eu-west-2:111122223333:app/APNS/yourang'
CDK_ARGS ?=
# Arguments for deploy and destroy only, for example --profile.
CDK_DEPLOY_ARGS ?=
# Whether the deployment's context values are set, on the command line or in
# cdk.json or cdk.context.json.
CONFIGURED := $(strip $(CDK_ARGS)$(shell grep -s -l '"jwtIssuer"' cdk.json cdk.context.json))
# Example values that let synth run on a fresh clone. Deploy and destroy
# refuse to run when no context values are configured at all.
EXAMPLE_CONTEXT := -c jwtIssuer=https://login.bank.example -c jwtAudience=bank-app \
	-c apnsSandboxApplicationArn=arn:aws:sns:eu-west-2:111122223333:app/APNS_SANDBOX/yourang-example

.PHONY: run test test-unit deps build-lambda build-rie vet bench synth deploy destroy test-infra clean

# Start the whole service on 127.0.0.1 with the embedded store and print how
# to use it. YOURANG_STORE=dynamodb-local runs it on DynamoDB Local instead.
run: $(if $(filter dynamodb-local,$(YOURANG_STORE)),$(NPM_STAMP))
	$(GO) build -o $(BIN)/yourang-local ./cmd/yourang-local
	exec $(BIN)/yourang-local

# Install the test tools, then run every test: unit tests with the race
# detector, DynamoDB Local, the SNS test server, the Lambda emulator and the
# CDK stack.
test: deps build-rie vet
	YOURANG_REQUIRE_INTEGRATION=1 YOURANG_RIE=$(RIE) YOURANG_RIE_BUILD_DIR=$(CURDIR)/build/rie \
		$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v /infra)
	$(MAKE) test-infra
	$(MAKE) synth

# Run only the tests that need no outside service.
test-unit:
	$(GO) test -race ./...

# Test the CDK stack with dummy binaries; needs neither a build nor AWS.
test-infra:
	$(GO) test -count=1 -timeout 15m ./infra/...

# Run the benchmarks; BENCHMARKS.md records the results.
bench: $(NPM_STAMP)
	YOURANG_REQUIRE_INTEGRATION=1 $(GO) test -run '^$$' -bench . -benchmem -count 6 ./shared/...

# Install DynamoDB Local and the CDK CLI (pinned in tools/package.json) and
# the Lambda Runtime Interface Emulator (pinned above).
deps: $(NPM_STAMP) $(RIE)

$(NPM_STAMP): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	@touch $@

$(RIE):
	GOBIN=$(BIN) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# Build each function as the bootstrap that Lambda runs, for the
# architecture of the stack.
build-lambda:
	@for f in $(FUNCTIONS); do \
		echo "build build/lambda/$$f/bootstrap (linux/$(LAMBDA_GOARCH))"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_GOARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" \
			-o build/lambda/$$f/bootstrap ./functions/$$f || exit 1; \
	done

# Build each function for the host architecture, for the tests under the
# Lambda emulator.
build-rie:
	@for f in $(FUNCTIONS); do \
		echo "build build/rie/$$f/bootstrap"; \
		CGO_ENABLED=0 GOOS=linux $(GO) build -tags lambda.norpc -trimpath -o build/rie/$$f/bootstrap ./functions/$$f || exit 1; \
	done

vet:
	$(GO) vet ./...

# Build the Lambda binaries and synthesize the stack into cdk.out, offline
# and with no AWS credentials. Without configured context values it uses
# example values, so that a fresh clone can check the stack.
synth: build-lambda $(NPM_STAMP)
	$(if $(CONFIGURED),,@echo "synth: no context values configured, using example values (see docs/infrastructure.md)")
	$(CDK_ENV) $(CDK) synth --quiet $(if $(CONFIGURED),$(CDK_ARGS),$(EXAMPLE_CONTEXT))

# Deploy the stack to the account and region of the current AWS credentials.
# Run `tools/node_modules/.bin/cdk bootstrap` once per account and region first.
deploy: check-context synth
	$(CDK_ENV) $(CDK) deploy --app cdk.out --all $(CDK_DEPLOY_ARGS)

# Delete the stack. The table and the log groups are retained and must be
# deleted by hand (see docs/infrastructure.md).
destroy: check-context synth
	$(CDK_ENV) $(CDK) destroy --app cdk.out --all $(CDK_DEPLOY_ARGS)

.PHONY: check-context
check-context:
	$(if $(CONFIGURED),,$(error no context values configured: set jwtIssuer, jwtAudience and a platform application ARN in cdk.context.json or CDK_ARGS, see docs/infrastructure.md))

# Remove build outputs and installed tools.
clean:
	rm -rf bin build cdk.out tools/node_modules
