#!/bin/sh
# viewspeed.sh: training speed with and without a viewer (issue #27: the
# steps must run at >= 90% of their speed without the window). It runs the
# harness cmd/train/viewspeed_test.go (TestViewSpeed): each round trains the
# same run without a viewer, with -serve and a client reading its event
# stream, and with -view (when there is a display), in alternation, and
# measures three rates:
#   overall  the samples of all epochs over the time from Fit's start to the
#            last epoch's end (the "done" line's samples/s);
#   trainer  the same with the publisher's own time left out: the trainer's
#            work (steps, loss reads, validation), slowed only by what runs
#            beside it (the window, the server);
#   steps    optimiser steps a second, timed from one step's start to the
#            next's in the same epoch, the publisher's time left out.
# It prints every round, then the best of each (on a busy machine the best
# runs are the least disturbed) and its ratio to the run without a viewer,
# and appends the best to CSV (viewspeed.csv) with the arguments.
#
#   xvfb-run -a -s "-screen 0 1280x800x24" bench/viewspeed.sh                         # spiral on the CPU
#   BACKEND=gl EPOCHS=100 xvfb-run -a -s "-screen 0 1280x800x24" bench/viewspeed.sh
#   DATA=mnist EPOCHS=3 TRAIN_ARGS="-hidden=256 -batch=128" bench/viewspeed.sh          # -serve only: no display
#
# Environment: DATA (spiral), EPOCHS (3000), BACKEND (cpu), ROUNDS (5),
# TRAIN_ARGS (more flags), CSV (viewspeed.csv).
set -eu
DATA="${DATA:-spiral}" EPOCHS="${EPOCHS:-3000}" BACKEND="${BACKEND:-cpu}" ROUNDS="${ROUNDS:-5}" TRAIN_ARGS="${TRAIN_ARGS:-}"
CSV="$(realpath -m "${CSV:-viewspeed.csv}")"
cd "$(dirname "$0")/.."
GLTRAIN_VIEWSPEED="$ROUNDS" GLTRAIN_VIEWSPEED_CSV="$CSV" \
	GLTRAIN_VIEWSPEED_ARGS="-data=$DATA -epochs=$EPOCHS -backend=$BACKEND $TRAIN_ARGS" \
	go test ./cmd/train -run '^TestViewSpeed$' -count=1 -v -timeout 60m | sed -n 's/^ *viewspeed_test.go:[0-9]*: //p'
echo "appended to $CSV"
