# Thin wrapper over CMake: `make run` and `make test` are the two commands
# README.md promises. Both install missing Debian packages first.
BUILD		?= build
ASAN_BUILD	?= build-asan
JOBS		?= 2

.PHONY: all run test deps build build-asan bench clean fuzz soak load install

all: build

deps:
	@./scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
		>/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory

run: build
	./scripts/run-demo.sh $(BUILD)/logpouchd

test: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

# The daemon, logpouch.service and logpouch.socket (docs/systemd.md), under
# PREFIX (default /usr/local); DESTDIR stages them for a package.
PREFIX		?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Longer fuzzing: FUZZ_SECONDS per target (clang, build-fuzz/).
FUZZ_SECONDS	?= 300
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run-short.sh build-fuzz

# The full soak: 100,000 aborted follow requests (integration/63-soak.sh).
SOAK_N		?= 100000
soak: build-asan
	SOAK_N=$(SOAK_N) LOGPOUCHD=$(ASAN_BUILD)/logpouchd \
		bash integration/63-soak.sh

# The full load: 100 containers at 1,000 lines/s, 1,000 followers, 60 s
# (integration/64-load.sh; the test command runs it scaled down).
load: build
	LOAD_CONTAINERS=100 LOAD_RATE=1000 LOAD_FOLLOWERS=1000 LOAD_SECONDS=60 \
		LOGPOUCHD=$(BUILD)/logpouchd bash integration/64-load.sh

# Benchmarks (docs/benchmarks.md): a Release build in build-bench, a
# logpouchd on a temporary socket; DOCKERD_SOCK=/path/docker.sock adds the
# dockerd column. BENCH_ARGS passes options, e.g. "--runs 5 --json out".
BENCH_BUILD	?= build-bench
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BENCH_BUILD) -j$(JOBS) --target logpouchd
	BENCH_ARGS="$(BENCH_ARGS)" SINCE_ARGS="$(SINCE_ARGS)" \
		BENCH_FIGURES="$(BENCH_FIGURES)" ./bench/run.sh $(BENCH_BUILD)/logpouchd \
		$(DOCKERD_SOCK)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
