# The two commands of the README, and a few for development.
#   make demo   set up, build, and run the main example
#   make test   set up, build, and run every test
BUILD ?= build
JOBS ?= 2

.PHONY: all setup configure build demo test asan-test fuzz clean

all: build

setup:
	@tools/setup

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The main example: an MLP trained on Fashion-MNIST for 20 epochs (about 30 seconds),
# reporting test accuracy and saving mlp.safetensors.
demo: build
	@echo "== zy run examples/fashion_mlp.zy"
	@cd $(BUILD) && ./zy run $(CURDIR)/examples/fashion_mlp.zy

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --label-exclude slow

# The default suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan (CI runs it after `make test`; docs/reliability.md), with LeakSanitizer on.
ASAN_BUILD ?= build-asan
asan-test: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DZY_SANITIZE=ON > $(ASAN_BUILD).configure.log 2>&1 || (cat $(ASAN_BUILD).configure.log; exit 1)
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) --label-exclude 'slow|nosanitize'

# libFuzzer: the three fuzz targets (tests/fuzz/) built with clang in build-fuzz, each run
# for FUZZ_TIME seconds from its seed corpus (FUZZ_SEED 0: a new random seed each run);
# new inputs collect in build-fuzz/corpus/, crashes in build-fuzz/crashes/
# (docs/reliability.md).
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
FUZZ_SEED ?= 0
FUZZ_TARGETS ?= frontend tracer loaders
FUZZ_SEEDS_frontend = examples stdlib tests/parse tests/lang tests/syntax tests/errors
fuzz: setup
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Release -DZY_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ > $(FUZZ_BUILD).configure.log 2>&1 || (cat $(FUZZ_BUILD).configure.log; exit 1)
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
	  echo "== fuzz_$$t for $(FUZZ_TIME) s"; \
	  ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -seed=$(FUZZ_SEED) -timeout=30 \
	    -rss_limit_mb=8192 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
	    $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t $$(test $$t = frontend && echo $(FUZZ_SEEDS_frontend)) > $(FUZZ_BUILD)/fuzz_$$t.log 2>&1; status=$$?; \
	  grep -E "^(stat::|#[0-9]+[[:space:]]+DONE)" $(FUZZ_BUILD)/fuzz_$$t.log; \
	  test $$status -eq 0 || { tail -40 $(FUZZ_BUILD)/fuzz_$$t.log; echo "fuzz: 0 passed, 1 failed"; exit 1; }; \
	done; \
	echo "fuzz: $(words $(FUZZ_TARGETS)) passed, 0 failed"

clean:
	rm -rf $(BUILD) $(BUILD).configure.log $(ASAN_BUILD) $(ASAN_BUILD).configure.log $(FUZZ_BUILD) $(FUZZ_BUILD).configure.log
