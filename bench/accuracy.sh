#!/bin/sh
# accuracy.sh: a CNN's test accuracy after a few epochs in gltrain and in
# PyTorch's same network and recipe (bench/pytorch/mnist_cnn.py), seed by
# seed, then the means and their difference. The checks of issue #23:
#
#   bench/accuracy.sh mnist-bn        # conv-BN-ReLU-pool ×2, Linear: within 0.2 points
#   bench/accuracy.sh fashion-mnist   # the README's CNN on Fashion-MNIST: within 0.3 points
#
# Environment: SEEDS (default "1 2 3"), EPOCHS (3), BACKEND (cpu), THREADS
# (2), PYTHON (/usr/bin/python3), TRAIN (a built cmd/train; default: go
# build it), INIT (gltrain: PyTorch's network starts from gltrain's
# initialisers, the same recipe; torch: PyTorch's defaults). PyTorch runs
# on OpenBLAS's OpenMP build, as the benchmarks do.
set -eu
case "${1:-}" in
mnist) data=mnist dir="${XDG_CACHE_HOME:-$HOME/.cache}/gltrain/mnist" bn="" ;;
mnist-bn) data=mnist dir="${XDG_CACHE_HOME:-$HOME/.cache}/gltrain/mnist" bn=1 ;;
fashion-mnist) data=fashion-mnist dir=/usr/share/datasets/fashion-mnist bn="" ;;
*) echo "usage: bench/accuracy.sh mnist|mnist-bn|fashion-mnist" >&2; exit 2 ;;
esac
SEEDS="${SEEDS:-1 2 3}" EPOCHS="${EPOCHS:-3}" INIT="${INIT:-gltrain}" BACKEND="${BACKEND:-cpu}" THREADS="${THREADS:-2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -z "${TRAIN:-}" ]; then
	TRAIN="$tmp/train"
	go build -o "$TRAIN" ./cmd/train
fi
if [ -n "$bn" ]; then
	layers=conv:32:3,batchnorm,relu,maxpool:2,conv:64:3,batchnorm,relu,maxpool:2,flatten,128:relu
	pyflags=--bn
else
	layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu
	pyflags=
fi
ob=/usr/lib/x86_64-linux-gnu/openblas-openmp
echo "data=$data layers=$layers epochs=$EPOCHS backend=$BACKEND threads=$THREADS pytorch-init=$INIT"
printf '%-5s %10s %10s\n' seed gltrain pytorch
sum_g=0 sum_p=0 n=0
for s in $SEEDS; do
	"$TRAIN" -data="$data" -layers="$layers" -opt=adam -lr=1e-3 -batch=128 -epochs="$EPOCHS" \
		-seed="$s" -backend="$BACKEND" -threads="$THREADS" -quiet -save="$tmp/m.safetensors" >"$tmp/train.log" 2>&1 ||
		{ cat "$tmp/train.log" >&2; exit 1; }
	g="$("$TRAIN" -load="$tmp/m.safetensors" -data="$data" -eval -json -backend="$BACKEND" 2>/dev/null |
		sed -n 's/.*"accuracy":\([0-9.e-]*\).*/\1/p' | head -1)"
	g="$(echo "$g" | awk '{printf "%.2f", 100*$1}')"
	p="$(LD_LIBRARY_PATH="$ob${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$PYTHON" bench/pytorch/mnist_cnn.py \
		--threads "$THREADS" --epochs "$EPOCHS" --seed "$s" --dir "$dir" --init "$INIT" $pyflags |
		sed -n 's/.*test acc \([0-9.]*\)%.*/\1/p' | tail -1)"
	printf '%-5s %9s%% %9s%%\n' "$s" "$g" "$p"
	sum_g="$(echo "$sum_g $g" | awk '{print $1+$2}')"
	sum_p="$(echo "$sum_p $p" | awk '{print $1+$2}')"
	n=$((n + 1))
done
echo "$sum_g $sum_p $n" | awk '{g=$1/$3; p=$2/$3; printf "mean  %9.2f%% %9.2f%%   gltrain - pytorch: %+.2f points\n", g, p, g-p}'
