# jvi — common tasks. `make` alone lists them.
#
# Tests run on the release build (-O, bounds and overflow checks kept; -enable-testing for
# @testable imports): the SIMD kernels are ~8x slower unoptimised.

export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
TEST_FLAGS := -c release -Xswiftc -enable-testing

.DEFAULT_GOAL := help
.PHONY: help build release test bench lint format clean data train

DATA_DIR := /usr/share/datasets/fashion-mnist
DEFAULT_MODEL := results/models/default-vae.ckpt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

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

bench: release data ## Benchmarks: results/bench/<suite>.csv (estimators, gemm, training)
	.build/release/jvi-bench --output-dir results/bench

data: ## Install Debian's Fashion-MNIST (dataset-fashion-mnist) if missing
	@[ -d $(DATA_DIR) ] || { echo "make: installing dataset-fashion-mnist"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dataset-fashion-mnist; }

train: $(DEFAULT_MODEL) ## Train the default VAE (IWAE k=5, 10 epochs, seed 1) if it is missing

$(DEFAULT_MODEL): | data
	$(SWIFT) build -c release --product jvi-train
	mkdir -p $(dir $@)
	.build/release/jvi-train --objective iwae --k 5 --epochs 10 --seed 1 --output $@

lint: ## Check formatting with swift format (.swift-format)
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean: ## Remove build products
	rm -rf .build
