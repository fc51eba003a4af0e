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

# Until the interpreter lands, the demo shows the front end on the main example: the
# program as the parser understood it, then a syntax error as zy reports it.
demo: build
	@echo "== zy run --emit=ast examples/fashion_mlp.zy"
	@$(BUILD)/zy run --emit=ast examples/fashion_mlp.zy
	@echo
	@echo "== zy run tests/syntax/unclosed_call.zy   (a syntax error, reported as zy reports it)"
	@$(BUILD)/zy run tests/syntax/unclosed_call.zy || true

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --label-exclude slow

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
