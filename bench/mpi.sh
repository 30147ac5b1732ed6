#!/bin/sh
# mpi.sh: the step time of data-parallel training split into the all-gather
# and the rest (forward, backward, the host's copies and ordered sum, the
# update, the evaluations), at 1, 2 and 4 local ranks of one thread each,
# for the MNIST MLP and a CNN without batch norm (which a data-parallel run
# refuses). Rank 0 prints the split (train's "parallel" line).
#
#	make mnist                       # the MNIST files, once
#	sh bench/mpi.sh [EPOCHS]         # default 1 epoch a run
#
# Each run has -micro-batches equal to its ranks (the default). On fewer
# cores than ranks the ranks share them: the compute then does not shrink
# with N, and the all-gather includes waiting for the slowest rank.
set -eu
epochs=${1:-1}
bin=${TMPDIR:-/tmp}/gltrain-train-mpi.$$
trap 'rm -f "$bin"' EXIT
go build -tags mpi -o "$bin" ./cmd/train
mpirun="mpirun --allow-run-as-root --oversubscribe --bind-to none"
cnn="conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu"
for model in mlp cnn; do
	layers=""
	[ "$model" = cnn ] && layers="-layers=$cnn"
	for n in 1 2 4; do
		printf '%s  ranks %d  ' "$model" "$n"
		$mpirun -np "$n" "$bin" -data=mnist -backend=cpu -threads=1 -epochs="$epochs" -plot= -quiet \
			-micro-batches="$n" $layers 2>&1 | sed -n 's/^parallel //p'
	done
done
