# llmc: `make run` builds, compiles the demo model and runs it; `make test`
# builds and runs every test. Both install what they need first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm

.PHONY: setup configure build test run conformance clean

setup:
	@bash scripts/setup.sh
	@bash scripts/setup_ort.sh
	@bash scripts/setup_text_peer.sh

$(BUILD)/build.ninja:
	@bash scripts/setup.sh
	cmake -G Ninja -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	@bash scripts/setup.sh
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@bash scripts/setup_ort.sh
	@bash scripts/setup_text_peer.sh
	cd $(BUILD) && ctest --output-on-failure -j 1

conformance: build
	@bash scripts/setup_ort.sh
	@bash scripts/setup_text_peer.sh
	/usr/bin/python3 test/conformance/run_node_tests.py --build $(BUILD)

run: build
	bash scripts/run_demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
