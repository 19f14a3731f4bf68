# jvi — common tasks. `make` alone lists them.
#
# Tests run on the release build (-O, bounds and overflow checks kept; -enable-testing for
# @testable imports): the SIMD kernels are ~8x slower unoptimised.

export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
TEST_FLAGS := -c release -Xswiftc -enable-testing

.DEFAULT_GOAL := help
.PHONY: help build release test bench lint format clean

help: ## List the targets
	@echo "jvi — evidence estimators (ELBO, IWAE, JVI) over a shared log-weight matrix"
	@echo
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-10s %s\n", $$1, $$2 }'

build: ## Debug build of every target
	$(SWIFT) build

release: ## Release build (-O -target-cpu haswell) of the tools
	$(SWIFT) build -c release

test: ## Build and run every test (release, checked)
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

bench: release ## Benchmarks: results/bench/<suite>.csv (estimators, gemm)
	.build/release/jvi-bench --output-dir results/bench

lint: ## Check formatting with swift format (.swift-format)
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean: ## Remove build products
	rm -rf .build
