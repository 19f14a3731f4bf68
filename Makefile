# jvi — common tasks. `make` alone lists them.
#
# Tests run on the release build (-O, bounds and overflow checks kept; -enable-testing for
# @testable imports).
#
# No CPU flags: the hot kernels (Sources/CJVIKernels) choose AVX2 + FMA or the baseline when the
# program runs, so `make release` is exactly `swift build -c release` (docs/performance.md).

export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
RELEASE_FLAGS := -c release
TEST_FLAGS := $(RELEASE_FLAGS) -Xswiftc -enable-testing

.DEFAULT_GOAL := help
.PHONY: help build release test test-python wheel wheel-check test-slow bench bench-peers bench-routes bench-python lint format clean data train sweep models sweep-models bdmc your-model \
  fuzz libfuzz dependency-check slurm-check

DATA_DIR := /usr/share/datasets/fashion-mnist
DEFAULT_MODEL := results/models/default-vae.ckpt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

help: ## List the targets
	@echo "jvi — evidence estimators (ELBO, IWAE, JVI) over a shared log-weight matrix"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-10s %s\n", $$1, $$2 }'

build: ## Debug build of every target
	$(SWIFT) build

release: ## Release build of the tools (the same as swift build -c release)
	$(SWIFT) build $(RELEASE_FLAGS)

# After the whole suite (on the CPU's own path, AVX2 here), the estimator, GEMM, network and
# training tests (JVICoreTests, JVIModelsTests) run again on the baseline kernels (JVI_CPU=baseline).
test: ## Build and run every test (release, checked), then the library tests on the baseline kernels
	python3 scripts/check-float80-guards.py
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build
	JVI_CPU=baseline $(SWIFT) test $(TEST_FLAGS) --skip-build --filter 'JVICoreTests|JVIModelsTests'

# The Python package (python/): libjvi.so from the test build's objects, then pytest on the
# package's sources (jvi's bits checked against jvi-eval's), then the examples, briefly.
PYTHON_VENV := .venv-python
PYTHON_LIB := .build/python-lib
PYTHON_PACKAGES := numpy scipy pytest pandas arviz torch jax safetensors

$(PYTHON_VENV)/bin/python:
	python3 -m venv $(PYTHON_VENV)
	$(PYTHON_VENV)/bin/pip install --quiet $(PYTHON_PACKAGES)

test-python: $(PYTHON_VENV)/bin/python ## The Python package's tests (pytest, torch and jax included) and its examples
	SWIFT_BUILD_FLAGS="$(TEST_FLAGS)" scripts/build-libjvi.sh $(PYTHON_LIB)
	$(SWIFT) build $(TEST_FLAGS) --product jvi-eval
	cd python && JVI_LIBRARY=../$(PYTHON_LIB)/libjvi.so JVI_EVAL=../.build/release/jvi-eval PYTHONPATH=. \
	  ../$(PYTHON_VENV)/bin/python -m pytest -q tests
	JVI_LIBRARY=$(PYTHON_LIB)/libjvi.so PYTHONPATH=python $(PYTHON_VENV)/bin/python examples/train_with_jvi.py --synthetic --steps 3
	JVI_LIBRARY=$(PYTHON_LIB)/libjvi.so PYTHONPATH=python $(PYTHON_VENV)/bin/python examples/jax_jvi.py --steps 3

wheel: $(PYTHON_VENV)/bin/python ## The wheel: dist/jvi-<version>-py3-none-<platform>.whl (runs without a Swift toolchain)
	$(PYTHON_VENV)/bin/pip wheel --quiet --no-deps --wheel-dir dist ./python
	@ls dist/jvi-*-py3-none-*.whl

# The wheel installed in a new virtual environment whose PATH has no Swift and whose library path
# has no Swift runtime, then the package's tests run against it (torch and jax left out).
wheel-check: wheel ## Install the wheel where there is no Swift toolchain and run the tests against it
	scripts/check-wheel.sh

test-slow: ## The tests plus the slow statistical ones (bootstrap coverage over 1000 sweeps)
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	JVI_SLOW_TESTS=1 $(SWIFT) test $(TEST_FLAGS) --skip-build

# The main job: three K-sweeps (experiments/*.experiment), one run id for all three.
SWEEPS := linear-gaussian log-normal fashion-mnist-vae
RUN_ID := $(shell date -u +%Y%m%d-%H%M%S)

sweep: release data $(DEFAULT_MODEL) ## The main job: K-sweeps of the linear-Gaussian model, log-normal weights and the trained VAE
	@for e in $(SWEEPS); do \
	  .build/release/jvi-sweep --experiment experiments/$$e.experiment --run-id $(RUN_ID) || exit 1; \
	done
	@echo
	@echo "make sweep: done. Results (CSV, figure, bias intervals, manifest) of run $(RUN_ID):"
	@for e in $(SWEEPS); do echo "  results/$$e/$(RUN_ID).csv   results/$$e/$(RUN_ID).svg"; done

bench: release data ## Benchmarks: results/bench/<suite>.csv (estimators, gemm, training, ais)
	.build/release/jvi-bench --output-dir results/bench

# The peers (numpy/OpenBLAS, jax-jit, torch; benchmarks/peers/) from PyPI into a virtual
# environment, then every jvi-bench case and its peers interleaved, round by round, in one session.
PEERS_VENV := .venv-peers
PEERS_ARGS ?=

bench-peers: release data $(DEFAULT_MODEL) ## jvi and its peers side by side in one run: results/bench/peers.{csv,md}
	@[ -x $(PEERS_VENV)/bin/python ] || { python3 -m venv $(PEERS_VENV) && \
	  $(PEERS_VENV)/bin/pip install --quiet numpy torch jax; }
	$(PEERS_VENV)/bin/python benchmarks/peers/run.py --jvi-bin .build/release --output-dir results/bench $(PEERS_ARGS)
	$(MAKE) bench-python

# The Python package (the wheel's library) against torch, ArviZ and scipy, interleaved in one process.
bench-python: release $(PYTHON_VENV)/bin/python ## The Python package against its peers: results/bench/python/python-api.{csv,md}
	scripts/build-libjvi.sh $(PYTHON_LIB)-release
	JVI_LIBRARY=$(PYTHON_LIB)-release/libjvi.so PYTHONPATH=python $(PYTHON_VENV)/bin/python benchmarks/python_api.py \
	  --jvi-eval .build/release/jvi-eval --output-dir results/bench/python

bench-routes: data $(DEFAULT_MODEL) ## make release, plain swift build and a dependent package, timed side by side: results/bench/build-routes.{csv,md}
	python3 benchmarks/build_routes.py

bdmc: release data $(DEFAULT_MODEL) ## BDMC gap of AIS on data simulated from the default VAE, by number of temperatures
	mkdir -p results/bdmc
	.build/release/jvi-ais --bdmc --instances 16 --chains 4 --start proposal --leapfrog 5 \
	  --temperatures 100,300,1000,3000,10000 --output results/bdmc/vae-proposal.csv
	.build/release/jvi-ais --bdmc --instances 16 --chains 4 --start prior --leapfrog 5 \
	  --temperatures 1000,10000 --output results/bdmc/vae-prior.csv

# Evaluating your own VAE, end to end: a PyTorch VAE trained, exported with jvi.torch.save_vae, checked
# against PyTorch, then AIS, BDMC and a K-sweep of every estimator (results/your-model/).
your-model: release data $(PYTHON_VENV)/bin/python ## A PyTorch VAE through jvi: agreement, AIS, BDMC, sweep (results/your-model/)
	scripts/build-libjvi.sh .build/python-lib-release
	JVI_LIBRARY=.build/python-lib-release/libjvi.so $(PYTHON_VENV)/bin/python experiments/your-model/your_vae.py \
	  --jvi-bin .build/release

fuzz: release ## 100,000 mutated inputs for every parser (CI runs 5,000 in make test)
	.build/release/jvi-fuzz --inputs 100000 --seed 1

# Coverage-guided fuzzing: jvi-fuzz's parsers built as a libFuzzer binary with AddressSanitizer.
# A crash, a hang (-timeout), an allocation over -malloc_limit_mb or a broken rule stops the run
# and saves the input into the regression corpus (Tests/ToolTests/FuzzRegressions/<parser>/).
FUZZ_PARSERS := npy csv idx idx-gz checkpoint experiment command-line json safetensors model-file
LIBFUZZ_RUNS ?= 100000
LIBFUZZ_DIR := .build-libfuzzer
LIBFUZZ_REPORT := results/fuzz/libfuzzer-$(LIBFUZZ_RUNS)-seed1.txt

libfuzz: ## libFuzzer + AddressSanitizer: 100,000 coverage-guided inputs for every parser
	$(SWIFT) build $(RELEASE_FLAGS) --product jvi-fuzz --sanitize=fuzzer --disable-dead-strip \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DJVI_LIBFUZZER \
	  --scratch-path $(LIBFUZZ_DIR)
	@mkdir -p results/fuzz && : > $(LIBFUZZ_REPORT).partial
	@for p in $(FUZZ_PARSERS); do \
	  rm -rf $(LIBFUZZ_DIR)/corpus/$$p; mkdir -p Tests/ToolTests/FuzzRegressions/$$p; \
	  JVI_FUZZ_PARSER=$$p $(LIBFUZZ_DIR)/release/jvi-fuzz -runs=$(LIBFUZZ_RUNS) -seed=1 -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=Tests/ToolTests/FuzzRegressions/$$p/libfuzzer- $(LIBFUZZ_DIR)/corpus/$$p \
	    > $(LIBFUZZ_DIR)/$$p.log 2>&1 || { tail -40 $(LIBFUZZ_DIR)/$$p.log; exit 1; }; \
	  grep -q 'INITED cov:' $(LIBFUZZ_DIR)/$$p.log || { echo "make libfuzz: $$p has no coverage counters"; exit 1; }; \
	  line="$$p: $$(awk '/^#[0-9]+[ \t]+DONE/ { sub(/^#[0-9]+[ \t]+DONE[ \t]+/, ""); done = $$0 } \
	    /number_of_executed_units/ { runs = $$2 } /peak_rss_mb/ { rss = $$2 } \
	    END { printf "%s inputs, 0 crashes, 0 hangs, 0 over the allocation limit; peak RSS %s MB; final %s", runs, rss, done }' \
	    $(LIBFUZZ_DIR)/$$p.log)"; \
	  echo "$$line"; echo "$$line" >> $(LIBFUZZ_REPORT).partial; \
	done
	@mv $(LIBFUZZ_REPORT).partial $(LIBFUZZ_REPORT) && echo "make libfuzz: report in $(LIBFUZZ_REPORT)"

data: ## Install Debian's Fashion-MNIST (dataset-fashion-mnist) if missing
	@[ -d $(DATA_DIR) ] || { echo "make: installing dataset-fashion-mnist"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dataset-fashion-mnist; }

train: $(DEFAULT_MODEL) ## Train the default VAE (IWAE k=5, 10 epochs, seed 1) if it is missing

# Builds jvi-train, makes the checkpoint's folder and runs jvi-train (recursive: $@ is the rule's target).
TRAIN = $(SWIFT) build $(RELEASE_FLAGS) --product jvi-train && mkdir -p $(dir $@) && .build/release/jvi-train

$(DEFAULT_MODEL): | data
	$(TRAIN) --objective iwae --k 5 --epochs 10 --seed 1 --output $@

# The other models (discrete-latent VAE, Bayes by Backprop), each trained if missing.
MODEL_DIR := results/models
MODELS := $(MODEL_DIR)/discrete-vae.ckpt $(MODEL_DIR)/bbb-classifier.ckpt $(MODEL_DIR)/bbb-regression.ckpt \
  $(MODEL_DIR)/bbb-linear.ckpt

models: $(MODELS) ## Train the discrete-latent VAE and the Bayes-by-Backprop models if missing

$(MODEL_DIR)/discrete-vae.ckpt: | data
	$(TRAIN) --model discrete-vae --objective iwae --k 5 --epochs 10 --seed 1 --output $@

$(MODEL_DIR)/bbb-classifier.ckpt: | data
	$(TRAIN) --model bbb-classifier --epochs 10 --seed 1 --output $@

$(MODEL_DIR)/bbb-regression.ckpt:
	$(TRAIN) --model bbb-regression --epochs 2000 --seed 1 --output $@

$(MODEL_DIR)/bbb-linear.ckpt:
	$(TRAIN) --model bbb-regression --hidden none --prior "gaussian 1" --epochs 2000 --seed 1 --output $@

MODEL_SWEEPS := discrete-vae discrete-vae-binary bbb-regression bbb-linear
BAYES := results/bayes-by-backprop

sweep-models: release data $(MODELS) ## Sweeps of those models, the classifier's test error and the regression's predictive
	@for e in $(MODEL_SWEEPS); do \
	  .build/release/jvi-sweep --experiment experiments/$$e.experiment --run-id $(RUN_ID) || exit 1; \
	done
	mkdir -p $(BAYES)
	.build/release/jvi-eval --model $(MODEL_DIR)/bbb-classifier.ckpt --samples 10 --limit 1 --estimator all \
	  --predict $(BAYES)/classifier-test-error.csv --output $(BAYES)/classifier-evidence.csv
	.build/release/jvi-eval --model $(MODEL_DIR)/bbb-regression.ckpt --samples 1000 --limit 10 --estimator all \
	  --predict $(BAYES)/regression-predictive.csv --output $(BAYES)/regression-evidence.csv
	@echo
	@echo "make sweep-models: done. Sweeps of run $(RUN_ID):"
	@for e in $(MODEL_SWEEPS); do echo "  results/$$e/$(RUN_ID).csv   results/$$e/$(RUN_ID).svg"; done
	@echo "  $(BAYES)/classifier-test-error.csv  $(BAYES)/regression-predictive.csv (.svg)"

slurm-check: release data $(DEFAULT_MODEL) ## A small VAE sweep with an AIS reference, single run vs a 4-shard sbatch array on a local Slurm
	scripts/slurm-check.sh

# The check builds (and trains the default model) with the test build's flags, so that after
# `make test` (as in .ci/run) nothing is compiled twice; the tools are as fast either way.
slurm-check: RELEASE_FLAGS = $(TEST_FLAGS)

dependency-check: ## Build a throwaway package that depends on a tagged jvi (from: "1.0.0") and calls an estimator
	scripts/check-dependency.sh

lint: ## Check formatting with swift format (.swift-format)
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean: ## Remove build products
	rm -rf .build
