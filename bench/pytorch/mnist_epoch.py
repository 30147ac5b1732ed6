#!/usr/bin/env python3
"""One MNIST epoch in PyTorch, as `train -data=mnist -hidden=256 -opt=adam
-lr=1e-3 -batch=128 -epochs=1` runs it in gltrain: pixels / 255, a 784-256-10
ReLU MLP with PyTorch's default initialisation, softmax cross-entropy, Adam
lr 1e-3, batches of 128 rows in a new random order each epoch, the running
loss read every step (as gltrain's progress line does), then the loss and
accuracy on the 10,000 test images. Prints the epoch's time (training and
test evaluation), the training time alone, and the figures, so both sides
can be compared in the same hour. glibc's malloc is tuned as bench.py tunes
it (keep_freed_memory):

    /usr/bin/python3 bench/pytorch/mnist_epoch.py --threads 2 [--dir ~/.cache/gltrain/mnist]
    go run ./cmd/train -data=mnist -hidden=256 -opt=adam -lr=1e-3 -batch=128 -epochs=1 -threads=2

The data are the four IDX files that gltrain caches (`make mnist`).
"""
import argparse
import gzip
import os
import struct
import time

from bench import keep_freed_memory


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return dims, raw[4 + 4 * ndim:]


def load(torch, d, prefix):
    dims, pix = read_idx(os.path.join(d, prefix + "-images-idx3-ubyte.gz"))
    _, lab = read_idx(os.path.join(d, prefix + "-labels-idx1-ubyte.gz"))
    x = torch.frombuffer(bytearray(pix), dtype=torch.uint8).reshape(dims[0], dims[1] * dims[2]).float() / 255
    y = torch.frombuffer(bytearray(lab), dtype=torch.uint8).long()
    return x, y


def setup(epochs, more=None):
    """Parses the MNIST scripts' shared flags (--threads, --dir, --epochs with
    this default, --seed, and whatever more(parser) adds), gives torch its
    threads and seed, and returns the flags, torch, and MNIST's training and
    test sets as rows of 784 floats with their labels."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--dir", default=os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gltrain", "mnist"))
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--seed", type=int, default=1)
    if more:
        more(ap)
    a = ap.parse_args()
    print("malloc:", keep_freed_memory())  # as bench.py runs torch
    if a.threads > 0:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    import torch
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load(torch, a.dir, "train")
    xte, yte = load(torch, a.dir, "t10k")
    return a, torch, xtr, ytr, xte, yte


def main():
    a, torch, xtr, ytr, xte, yte = setup(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    fit(torch, model, xtr, ytr, xte, yte, a.epochs)


def fit(torch, model, xtr, ytr, xte, yte, epochs, digits=1):
    """Trains model with Adam lr 1e-3 on batches of 128 in a new random
    order each epoch, the running loss read every step, and prints each
    epoch's test loss and accuracy (evaluated in batches of 1000) and time."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    print("torch %s, %d threads, %s" % (torch.__version__, torch.get_num_threads(), torch.__config__.show().split("\n")[1].strip()))
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(len(xtr))
        running, seen = 0.0, 0
        model.train()  # BatchNorm: the batch's statistics
        for i in range(0, len(xtr), 128):
            idx = order[i:i + 128]
            xb, yb = xtr[idx], ytr[idx]
            loss = lossf(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item() * len(idx)
            seen += len(idx)
        trained = time.perf_counter() - start
        model.eval()  # BatchNorm: the running statistics, as gltrain's evaluation
        with torch.no_grad():
            logits = torch.cat([model(xte[i:i + 1000]) for i in range(0, len(xte), 1000)])
            tl = lossf(logits, yte).item()
            acc = (logits.argmax(1) == yte).float().mean().item()
        total = time.perf_counter() - start
        print("epoch %d/%d  loss %.4f  test loss %.4f  test acc %.*f%%  %.0f samples/s  %.3fs (training %.3fs)" % (
            epoch, epochs, running / seen, tl, digits, 100 * acc, seen / total, total, trained))

if __name__ == "__main__":
    main()
