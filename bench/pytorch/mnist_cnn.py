#!/usr/bin/env python3
"""The MNIST CNN in PyTorch, as `train -data=mnist
-layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu
-opt=adam -lr=1e-3 -batch=128 -epochs=3` runs it in gltrain: pixels / 255,
Conv2d(1,32,3), ReLU, MaxPool2d(2), Conv2d(32,64,3), ReLU, MaxPool2d(2),
Flatten, Linear(1600,128), ReLU, Linear(128,10) with PyTorch's default
initialisation, softmax cross-entropy, Adam lr 1e-3, batches of 128 in a new
random order each epoch, trained on 55,000 images (the 5,000 gltrain holds
out for validation are left out here too), then the loss and accuracy on
the 10,000 test images after each epoch:

    /usr/bin/python3 bench/pytorch/mnist_cnn.py --threads 2 [--epochs 3]
    go run ./cmd/train -data=mnist -layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu -opt=adam -lr=1e-3 -batch=128 -epochs=3 -threads=2

--bn puts a BatchNorm2d (PyTorch's defaults) after each convolution,
conv-BN-ReLU-pool ×2, then Linear(1600,128), ReLU, Linear(128,10): the
BatchNorm CNN of issue 23, evaluated with the running statistics:

    /usr/bin/python3 bench/pytorch/mnist_cnn.py --threads 2 --bn --seed 1
    go run ./cmd/train -data=mnist -layers=conv:32:3,bn,relu,maxpool:2,conv:64:3,bn,relu,maxpool:2,flatten,128:relu -opt=adam -lr=1e-3 -batch=128 -epochs=3 -threads=2 -seed=1

The data are the four IDX files that gltrain caches (`make mnist`).
"""
from mnist_epoch import fit, setup  # the flags, reader and training loop of the MLP's script


def main():
    def flags(ap):
        ap.add_argument("--train", type=int, default=55000, help="training images (gltrain's -val=0 trains on all 60000)")
        ap.add_argument("--bn", action="store_true", help="a BatchNorm2d after each convolution")
        ap.add_argument("--same", metavar="DIR", help="train as train does from the same start on the same batches: "
                        "DIR is what `go run ./bench/cnnquality -out DIR` writes (the initial checkpoint, the training "
                        "split and every epoch's batch order); --bn, --init, --train and --seed are then ignored")
        ap.add_argument("--init", choices=("torch", "gltrain"), default="torch",
                        help="torch: PyTorch's default initialisation; gltrain: gltrain's (nn.InitFor: "
                             "He normal before a ReLU, Xavier uniform otherwise, biases 0), the same recipe as `train`")

    a, torch, xtr, ytr, xte, yte = setup(3, flags)
    if a.same:
        return same(a, torch, xte.reshape(-1, 1, 28, 28), yte)
    keep = torch.randperm(len(xtr))[:a.train]
    xtr, ytr = xtr[keep].reshape(-1, 1, 28, 28), ytr[keep]
    xte = xte.reshape(-1, 1, 28, 28)
    nn = torch.nn
    bn = (lambda c: [nn.BatchNorm2d(c)]) if a.bn else (lambda c: [])
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), *bn(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), *bn(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    if a.init == "gltrain":
        gltrain_init(torch, model)
    fit(torch, model, xtr, ytr, xte, yte, a.epochs, digits=2)


def same(a, torch, xte, yte):
    """Trains the checkpoint's CNN on DIR's images in DIR's batch order with
    Adam (lr 1e-3) and prints each epoch's test accuracy, as fit does."""
    import json
    import os
    import struct
    import time
    import numpy as np
    d = a.same
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    raw = open(os.path.join(d, "init.safetensors"), "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    body = raw[8 + n:]
    dtypes = {"F32": "<f4", "I64": "<i8"}
    state = {k: torch.from_numpy(np.frombuffer(body[v["data_offsets"][0]:v["data_offsets"][1]], dtypes[v["dtype"]]).copy().reshape(v["shape"]))
             for k, v in header.items() if not k.startswith("optimizer.")}
    nn = torch.nn
    bn = (lambda c: [nn.BatchNorm2d(c)]) if meta["bn"] else (lambda c: [])
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), *bn(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), *bn(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict(state, strict=True)
    pix = np.fromfile(os.path.join(d, "pixels.bin"), dtype=np.uint8)
    x = torch.from_numpy(pix.astype(np.float32)).reshape(-1, 1, 28, 28) / 255
    y = torch.from_numpy(np.fromfile(os.path.join(d, "labels.bin"), dtype=np.uint8).astype(np.int64))
    order = torch.from_numpy(np.fromfile(os.path.join(d, "order.bin"), dtype="<u4").astype(np.int64))
    per, size = len(x), meta["batch"]
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"])
    lossf = nn.CrossEntropyLoss()
    print("same start and batches as train -seed=%d on %s: %s" % (meta["seed"], meta["data"], meta["model"]))
    for epoch in range(meta["epochs"]):
        start = time.perf_counter()
        idx = order[epoch * per:(epoch + 1) * per]
        model.train()
        for i in range(0, per, size):
            b = idx[i:i + size]
            loss = lossf(model(x[b]), y[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xte[i:i + 1000]) for i in range(0, len(xte), 1000)])
            acc = (logits.argmax(1) == yte).float().mean().item()
        print("epoch %d/%d  test acc %.2f%%  %.1fs" % (epoch + 1, meta["epochs"], 100 * acc, time.perf_counter() - start))


def gltrain_init(torch, model):
    """Initialises model as gltrain's NewModel does (nn.InitFor of the layer
    after each weighted layer): He normal, N(0, 2/fan_in), for a Conv2d or
    Linear followed by a ReLU; Xavier uniform for one followed by anything
    else (a BatchNorm, or nothing: the output layer); biases 0. BatchNorm
    starts at weight 1 and bias 0 in both."""
    layers = list(model)
    for i, m in enumerate(layers):
        if not isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            continue
        after = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(after, torch.nn.ReLU):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        else:
            torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.zeros_(m.bias)


if __name__ == "__main__":
    main()
