#!/bin/sh
# gpu.sh: gltrain's GL checks and full benchmark report on a GPU machine that
# has no Go toolchain (and perhaps no GL development files), in one call.
#
# Build the binaries beforehand, on a machine with Go, from the repository
# root (cgo links libGL/libEGL dynamically; the GPU machine needs only the
# runtime libraries its driver ships):
#
#	mkdir -p out
#	go test -c -o out/gl.test ./backend/gl
#	go test -c -o out/autograd.test ./autograd
#	go test -c -o out/nn.test ./nn
#	go build -o out/bench ./bench
#	go build -o out/train ./cmd/train
#
# Optional, beside them: out/mnist/ (the four MNIST files, e.g. copied from
# the cache that `make mnist` fills) to train MNIST on the GPU, and out/lib/
# (libEGL.so.1, libGL.so.1, libGLdispatch.so.0, the X11 libraries: whatever
# `ldd out/train` lists) for a machine whose system lacks them: it is put on
# LD_LIBRARY_PATH only when ldd finds a library missing, so the driver's own
# libraries win otherwise.
#
# Then on the GPU machine, from the repository root (bench embeds
# bench/pytorch/bench.py; PyTorch rows, CUDA included, appear when a python3
# there imports torch):
#
#	sh bench/gpu.sh RESULTS_DIR [BIN_DIR]     # BIN_DIR defaults to ./out
#
# Steps, each with its own log under RESULTS_DIR and its exit status in
# RESULTS_DIR/status.txt; a failed step does not stop the later ones, and the
# script exits non-zero when any step failed:
#
#	1. machine: uname, nvidia-smi, EGL/GL libraries found    -> machine.txt
#	2. gl.test: TestContextReport (prints vendor, renderer, version and the
#	   context path), TestConformance, TestMatchesCPU, every matmul variant
#	   (TestMatMulVariants) and the long dimensions (…LongK, TestWideRows,
#	   TestColSumLongColumns)                                 -> gl-test.log
#	3. autograd.test, when built (graph on every backend)   -> autograd-test.log
#	4. nn.test, when built (networks learn on every backend) -> nn-test.log
#	5. bench -tune: the matmul variants' timings and choices, cached in
#	   RESULTS_DIR/cache (XDG_CACHE_HOME) for the steps after it -> tune.md
#	   bench -backends=cpu,gl $BENCH_FLAGS (the full suite) -> bench.md (table),
#	   bench.json (every sample), bench.txt (benchstat), bench.log (progress)
#	6. train, when built, on the GL backend: the default run -> train.log,
#	   and, when BIN_DIR/mnist exists, MNIST's MLP           -> train-mnist.log
#	   and issue 14's CNN, 3 epochs                          -> train-mnist-cnn.log
#
# GL is required (GLTRAIN_REQUIRE_GL=1): not getting a context fails the
# steps instead of skipping to the CPU. The context comes from an EGL device
# (GLTRAIN_GL_CONTEXT=egl-device), the path that needs no display.
#
# Time: a result costs about its warm-up run, a calibration of about
# -min-sample, then -samples × -min-sample (more when one run is longer).
# The report's own full defaults (10 × 300 ms) took 10.5 minutes on two cores
# with llvmpipe, too long for one call, so BENCH_FLAGS defaults to
# "-suite=full -samples=6 -min-sample=100ms" (6 samples: benchstat's least
# for a confidence interval), about a quarter of that. STEP_TIMEOUT
# (seconds, default 420) bounds each step where timeout(1) exists.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 RESULTS_DIR [BIN_DIR]" >&2
	exit 2
fi
dir=$1
bin=${2:-./out}
mkdir -p "$dir"
: >"$dir/status.txt"

GLTRAIN_GL_CONTEXT=egl-device
GLTRAIN_REQUIRE_GL=1
XDG_CACHE_HOME=$(cd "$dir" && pwd)/cache # the matmul tuning cache, kept with the results
export GLTRAIN_GL_CONTEXT GLTRAIN_REQUIRE_GL XDG_CACHE_HOME

# The carried libraries, only where the system's are missing.
if [ -d "$bin/lib" ] && [ -x "$bin/gl.test" ] && ldd "$bin/gl.test" 2>/dev/null | grep -q 'not found'; then
	LD_LIBRARY_PATH="$(cd "$bin/lib" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
	echo "== using the carried libraries in $bin/lib" >&2
fi

timeout_cmd=""
if command -v timeout >/dev/null 2>&1; then
	timeout_cmd="timeout ${STEP_TIMEOUT:-420}"
fi
failed=0

# step NAME LOG CMD...: runs CMD with stdout and stderr in LOG, records its
# exit status, and never stops the script.
step() {
	name=$1
	log=$2
	shift 2
	echo "== $name: $*" >&2
	start=$(date +%s)
	if $timeout_cmd "$@" >"$log" 2>&1; then rc=0; else rc=$?; fi
	echo "$name $rc $(($(date +%s) - start))s" >>"$dir/status.txt"
	echo "== $name: exit $rc" >&2
	[ "$rc" -eq 0 ] || failed=1
}

# skip NAME WHY: records a step that could not run.
skip() {
	echo "$1 skipped: $2" >>"$dir/status.txt"
	echo "== $1 skipped: $2" >&2
}

machine() {
	uname -a
	date -u
	nproc 2>/dev/null || true
	command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi || echo "nvidia-smi: not found"
	ls -l /usr/lib/x86_64-linux-gnu/libEGL* /usr/lib/x86_64-linux-gnu/libGL* \
		/usr/share/glvnd/egl_vendor.d 2>/dev/null || echo "no EGL/GL libraries in the usual places"
	command -v python3 >/dev/null 2>&1 && python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' ||
		echo "python3 with torch: not available"
}
if machine >"$dir/machine.txt" 2>&1; then rc=0; else rc=$?; fi
echo "machine $rc" >>"$dir/status.txt"

if [ -x "$bin/gl.test" ]; then
	step gl-test "$dir/gl-test.log" "$bin/gl.test" -test.v -test.count=1 \
		-test.run '^(TestContextReport|TestConformance|TestMatchesCPU|TestMatMulVariants|TestMatMulLongK|TestLinearLongK|TestWideRows|TestColSumLongColumns)$'
	grep -E 'GL_VENDOR|GL_RENDERER|GL_VERSION|context:' "$dir/gl-test.log" >&2 || true
else
	skip gl-test "$bin/gl.test not built"
	failed=1
fi

if [ -x "$bin/autograd.test" ]; then
	step autograd-test "$dir/autograd-test.log" "$bin/autograd.test" -test.count=1
else
	skip autograd-test "$bin/autograd.test not built"
fi

if [ -x "$bin/nn.test" ]; then
	# From nn/, where its recorded PyTorch run (testdata/golden.json) is.
	step nn-test "$dir/nn-test.log" sh -c 'cd nn && exec "$1" -test.count=1' nn-test "$(cd "$bin" && pwd)/nn.test"
else
	skip nn-test "$bin/nn.test not built"
fi

if [ -x "$bin/bench" ]; then
	step tune "$dir/tune.log" sh -c '"$1" -tune -suite=full >"$2/tune.md"' tune "$bin/bench" "$dir"
	# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
	step bench "$dir/bench.log" sh -c '"$1" -backends=cpu,gl '"${BENCH_FLAGS:--suite=full -samples=6 -min-sample=100ms}"' \
		-json "$2/bench.json" -benchfmt "$2/bench.txt" >"$2/bench.md"' bench "$bin/bench" "$dir"
else
	skip bench "$bin/bench not built"
	failed=1
fi

if [ -x "$bin/train" ]; then
	step train "$dir/train.log" "$bin/train" -backend=gl -plot="$dir"
	if [ -d "$bin/mnist" ]; then
		step train-mnist "$dir/train-mnist.log" "$bin/train" -backend=gl -data=mnist -data-dir="$bin/mnist" \
			-hidden=256 -opt=adam -lr=1e-3 -epochs=5 -batch=128 -plot= -save="$dir/mnist.safetensors"
		step train-mnist-cnn "$dir/train-mnist-cnn.log" "$bin/train" -backend=gl -data=mnist -data-dir="$bin/mnist" \
			-layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu \
			-opt=adam -lr=1e-3 -batch=128 -epochs=3 -plot= -save="$dir/mnist-cnn.safetensors"
	fi
else
	skip train "$bin/train not built"
fi

echo "== status ($dir/status.txt):" >&2
cat "$dir/status.txt" >&2
exit "$failed"
