# Thin wrapper over CMake: `make run` and `make test` are the two commands
# README.md promises. Both install missing Debian packages first.
BUILD		?= build
ASAN_BUILD	?= build-asan
JOBS		?= 2

.PHONY: all run test deps build build-asan bench clean

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

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
