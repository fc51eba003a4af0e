# The two commands of the README, and a few for development.
#   make demo   set up, build, and run the main example
#   make test   set up, build, and run every test
BUILD ?= build
JOBS ?= 2

.PHONY: all setup configure build demo test clean

all: build

setup:
	@tools/setup

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The demo trains a classifier with grad and SGD, then runs zephyr's autoencoder. (The
# Fashion-MNIST example waits for the JIT: on the reference executor it would take hours.)
demo: build
	@echo "== zy run examples/blobs.zy"
	@$(BUILD)/zy run examples/blobs.zy
	@echo
	@echo "== zy run examples/autoencoder.zy"
	@$(BUILD)/zy run examples/autoencoder.zy

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --label-exclude slow

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
