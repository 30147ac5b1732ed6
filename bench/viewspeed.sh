#!/bin/sh
# viewspeed.sh: training speed with and without train -view (issue #27:
# the steps must run at >= 90% of their speed without the window). Each
# round runs the same training twice, without and with -view, in
# alternation, and reads the "done" line's samples/s; the window is closed
# (SIGINT, as closing it does) once the run prints it. It prints every
# run's figure, then the best of each and their ratio: on a busy machine
# the best runs are the least disturbed.
#
#   xvfb-run -a -s "-screen 0 1280x800x24" bench/viewspeed.sh                      # spiral on the CPU
#   BACKEND=gl EPOCHS=300 xvfb-run -a -s "-screen 0 1280x800x24" bench/viewspeed.sh
#   DATA=mnist EPOCHS=2 TRAIN_ARGS="-hidden=256 -batch=128" bench/viewspeed.sh           # on a desktop
#
# Environment: DATA (spiral), EPOCHS (3000), BACKEND (cpu), ROUNDS (5), TRAIN_ARGS
# (more flags), TRAIN (a built cmd/train; default: go build it). Needs a
# display (DISPLAY).
set -eu
DATA="${DATA:-spiral}" EPOCHS="${EPOCHS:-3000}" BACKEND="${BACKEND:-cpu}" ROUNDS="${ROUNDS:-5}" TRAIN_ARGS="${TRAIN_ARGS:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -z "${TRAIN:-}" ]; then
	TRAIN="$tmp/train"
	go build -o "$TRAIN" ./cmd/train
fi
# run FLAGS: one run; prints its samples/s.
run() {
	out="$tmp/out"
	# shellcheck disable=SC2086
	"$TRAIN" -data="$DATA" -epochs="$EPOCHS" -backend="$BACKEND" -plot= $TRAIN_ARGS "$@" >"$out" 2>&1 &
	pid=$!
	while ! grep -q '^done' "$out" && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
	grep '^done' "$out" | sed -n 's/.*(\([0-9.]*[kM]*\) samples\/s).*/\1/p' | grep . || { cat "$out" >&2; exit 1; }
}
# num: 1.2M or 345.6k as a number.
num() { echo "$1" | awk '{v=$1; if (v ~ /M$/) v=v*1e6; else if (v ~ /k$/) v=v*1e3; print v+0}'; }
best0=0 best1=0
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	a="$(run)"
	b="$(run -view)"
	echo "round $((i + 1)): without -view $a samples/s, with -view $b samples/s"
	best0="$(awk -v x="$best0" -v y="$(num "$a")" 'BEGIN{print (y > x) ? y : x}')"
	best1="$(awk -v x="$best1" -v y="$(num "$b")" 'BEGIN{print (y > x) ? y : x}')"
	i=$((i + 1))
done
awk -v a="$best0" -v b="$best1" -v d="$DATA" -v e="$EPOCHS" -v be="$BACKEND" 'BEGIN{
	printf "%s, %s epochs, -backend=%s: best %.0f samples/s without -view, %.0f with: %.1f%%\n", d, e, be, a, b, 100*b/a }'
