# superfluid: `make run` and `make test` do all set-up (see README.md).
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

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

clean:
	rm -rf $(BUILD_DIR)
