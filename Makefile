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
# build-asan (CI runs it after `make test`; docs/reliability.md). Leak checking is off:
# closures stored in the scopes they capture form shared_ptr cycles that live until exit.
ASAN_BUILD ?= build-asan
asan-test: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DZY_SANITIZE=ON > $(ASAN_BUILD).configure.log 2>&1 || (cat $(ASAN_BUILD).configure.log; exit 1)
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target zy zy_unit_tests
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) --label-exclude 'slow|nosanitize'

clean:
	rm -rf $(BUILD) $(BUILD).configure.log $(ASAN_BUILD) $(ASAN_BUILD).configure.log
