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

# The main example: an MLP trained on Fashion-MNIST for 20 epochs (about 30 seconds),
# reporting test accuracy and saving mlp.safetensors.
demo: build
	@echo "== zy run examples/fashion_mlp.zy"
	@cd $(BUILD) && ./zy run $(CURDIR)/examples/fashion_mlp.zy

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --label-exclude slow

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
