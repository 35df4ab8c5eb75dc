# tieredis top-level Makefile: drives CMake.
#
#   make            install missing Debian packages, build src/redis-server
#   make run        ... and start it in the foreground with redis.conf
#   make test       ... and run every test (GoogleTest via ctest, pytest)
#   make asan       build with ASan+UBSan in build-asan/ and run the unit tests
#   make test-numa  boot a two-node qemu VM and prove real placement (tests/numa/run.sh)
#   make fuzz       build the libFuzzer targets (clang, ASan+UBSan, in build-fuzz/)
#                   and run each for FUZZ_SECONDS (default 60) on a copy of its
#                   seed corpus; fails if any crashes (utils/fuzz/run_fuzz.sh).
#                   FUZZ_TARGETS="rdb aof" picks targets.
#   make bench-alloc  the allocator micro-benchmark (Google Benchmark)
#   make bench      ours vs Debian's redis-server 7.0, side by side
#                   (utils/bench/compare.sh; pass options in BENCH_ARGS,
#                   e.g. make bench BENCH_ARGS="--quick")
#   make clean

PY     := /usr/bin/python3
JOBS   ?= $(shell nproc)
BUILD  ?= build
ASAN   ?= build-asan
FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= resp_parser restore rdb aof config config_set acl cluster_bus
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-unit test-integration test-numa asan fuzz fuzz-deps fuzz-build bench-alloc bench clean

all: build

deps:
	@sh deps/install.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)
	@ln -sf ../$(BUILD)/src/redis-server src/redis-server

run: build
	./src/redis-server redis.conf

# The integration tests run on JOBS workers (pytest-xdist); each test starts
# its own servers on free ports.
PYTEST := $(PY) -m pytest -q -n $(JOBS) tests/integration

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 300 -j$(JOBS)
	$(PYTEST)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure --timeout 300 -j$(JOBS) -L unit

test-integration: build
	$(PYTEST)

# Installs qemu, busybox-static and the guest kernel itself (deps/install-numa.sh).
test-numa: build
	BUILD=$(BUILD) tests/numa/run.sh

$(ASAN)/CMakeCache.txt:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DTIEREDIS_SANITIZE=ON $(CMAKE_FLAGS)

# allocator_may_return_null: alloc::TryAlloc relies on malloc returning NULL
# for a size no allocator can serve (jemalloc does; ASan aborts by default),
# and the tests of its callers ask for such sizes.
asan: deps $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j$(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure --timeout 300 -j$(JOBS) -L unit

# libFuzzer needs clang; the fuzz build dir is its own (ASan, UBSan and
# coverage instrumentation on every library, no unit tests).
$(FUZZ)/CMakeCache.txt:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIEREDIS_FUZZ=ON \
	  -DBUILD_TESTING=OFF $(CMAKE_FLAGS)

fuzz-deps:
	@sh deps/install.sh fuzz

fuzz-build: fuzz-deps $(FUZZ)/CMakeCache.txt
	cmake --build $(FUZZ) -j$(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))

fuzz: fuzz-build
	utils/fuzz/run_fuzz.sh $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench-alloc: build
	$(BUILD)/utils/alloc_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

BENCH_ARGS ?=
bench: build
	sh utils/bench/compare.sh --no-build $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) src/redis-server
