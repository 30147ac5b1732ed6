#!/usr/bin/env python3
"""The regression check's PyTorch side: an MLP on the Boston housing CSV
(scikit-learn's), trained as gltrain's test trains it (cmd/train's
TestBostonMatchesPyTorch), and its test R² as scikit-learn scores it.

The recipe, both sides alike:
  - the split: train.csv and test.csv, which the Go test writes (the
    rows of boston_house_prices.csv in a seeded shuffle, the first 80% to
    train.csv), each a header and rows of 13 features then MEDV;
  - the features standardised with the training file's mean and
    population standard deviation (1 where it is 0), in float64; the
    target raw;
  - Linear(13, H), ReLU, Linear(H, 1), starting from the weights of the
    gltrain checkpoint --init (so that both start alike), or PyTorch's
    default initialisation without it;
  - mean squared error, Adam (PyTorch's defaults but lr), full-batch steps
    (--batch 0) or batches of --batch rows in a random order, --epochs
    passes.
Prints one JSON object: {"train_r2": …, "test_r2": …, "test_mae": …,
"test_rmse": …}, by sklearn.metrics.

    /usr/bin/python3 bench/pytorch/regression.py --train train.csv --test test.csv --init init.safetensors --epochs 150 --lr 0.02
"""
import argparse
import json
import struct

import numpy as np
import torch
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def read_csv(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return a[:, :-1], a[:, -1:]


def read_weights(path):
    """The tensors of a gltrain checkpoint (safetensors, F32), by name."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    body = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if name.startswith("optimizer."):
            continue
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").copy().reshape(t["shape"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--init", default="")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--batch", type=int, default=0, help="rows a step; 0: the whole training set")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)

    xtr, ytr = read_csv(args.train)
    xte, yte = read_csv(args.test)
    mean, std = xtr.mean(axis=0), xtr.std(axis=0)
    std[std == 0] = 1
    def prep(x):
        return torch.from_numpy(((x - mean) / std).astype(np.float32))
    xtr_t, xte_t = prep(xtr), prep(xte)
    ytr_t = torch.from_numpy(ytr.astype(np.float32))

    net = torch.nn.Sequential(torch.nn.Linear(xtr.shape[1], args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 1))
    if args.init:
        net.load_state_dict(read_weights(args.init), strict=True)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = torch.nn.MSELoss()
    n = xtr_t.shape[0]
    batch = args.batch if args.batch > 0 else n
    for _ in range(args.epochs):
        order = torch.randperm(n) if batch < n else torch.arange(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(net(xtr_t[idx]), ytr_t[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        ptr = net(xtr_t).double().numpy()
        pte = net(xte_t).double().numpy()
    print(json.dumps({
        "train_r2": r2_score(ytr, ptr),
        "test_r2": r2_score(yte, pte),
        "test_mae": mean_absolute_error(yte, pte),
        "test_rmse": mean_squared_error(yte, pte) ** 0.5,
    }))


if __name__ == "__main__":
    main()
