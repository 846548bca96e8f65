# superfluid: `make run` and `make test` do all set-up (see README.md).
SHELL := bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
SF_WERROR ?= OFF

.PHONY: all deps build run test clean

all: build

deps:
	@scripts/deps

build: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSF_WERROR=$(SF_WERROR) >/dev/null; \
	else \
	  cmake $(BUILD_DIR) -DSF_WERROR=$(SF_WERROR) >/dev/null; \
	fi
	@cmake --build $(BUILD_DIR)

run: build
	@scripts/demo $(BUILD_DIR)

# ctest's own output is kept for scripts/test-summary, which ends with one
# line saying how many tests were skipped and why.
test: build
	@cd $(BUILD_DIR) && set -o pipefail && ctest --output-on-failure | tee ctest-output.log; \
	  status=$$?; $(CURDIR)/scripts/test-summary . ctest-output.log; exit $$status

clean:
	rm -rf $(BUILD_DIR)
