# Reef's front door. Everything goes through CMake; these targets are the
# commands the README promises.
#
#   make demo    build and run the main demo
#   make test    build and run the whole suite (installs build dependencies when run as root)
#   make asan    the suite under AddressSanitizer + UndefinedBehaviorSanitizer, leaks
#                checked, in the debug scheduling mode (every continuation deferred,
#                task queue shuffled)
#   make tsan    the cross-shard tests under ThreadSanitizer
#   make clang   build everything with clang, warnings as errors
#   make bench   run the benchmarks: one line per figure, "name value unit"
#                (BENCH=core|flow|fiber|smp|net|spread|sched|fs picks one area)

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test asan tsan clang bench demo clean format

all: build

deps:
	@bash scripts/install-deps.sh

build/CMakeCache.txt:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

build-asan/CMakeCache.txt:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DREEF_SANITIZE=ON -DREEF_DEBUG_SCHED=ON $(CMAKE_FLAGS)

asan: deps build-asan/CMakeCache.txt
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -E '^install/'

build-tsan/CMakeCache.txt:
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREEF_TSAN=ON $(CMAKE_FLAGS)

# ThreadSanitizer over the code that crosses threads: shards, messages,
# sharded services, memory handed back between shards.
tsan: deps build-tsan/CMakeCache.txt
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) \
	  -R 'smp_test|sharded_test|spread_test|mem/|examples/(smp|sharded)'

build-clang/CMakeCache.txt:
	CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

clang: deps build-clang/CMakeCache.txt
	cmake --build build-clang -j $(JOBS)

build-release/CMakeCache.txt:
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DREEF_BUILD_TESTS=OFF $(CMAKE_FLAGS)

bench: deps build-release/CMakeCache.txt
	cmake --build build-release -j $(JOBS)
	@bash bench/run.sh build-release/bin $(BENCH)

# The echo server on its defaults (port 10007, every CPU); Ctrl-C stops it
# cleanly. Try: nc 127.0.0.1 10007
demo: build
	./build/bin/reef-echo

format:
	clang-format -i include/reef/*.h src/*/*.[ch] tests/*/*.[ch] examples/*.c bench/*.c

clean:
	rm -rf build build-asan build-tsan build-clang build-release
