"""Regenerates loss_golden.json: PyTorch's value and gradient (with
respect to the predictions, or logits) of the elementwise losses of
backend.RegressionLosser, in float64, on fixed float32 inputs, ordinary
and with NaN and ±Inf.

usage (from the repository root, with Debian's python3-torch):
    /usr/bin/python3 backend/backendtest/testdata/loss_golden.py

Which PyTorch function each loss is:
    mse    torch.nn.MSELoss()                      (mean; Losser.MeanSquaredError
           on real-valued targets of one or several columns)
    l1     torch.nn.L1Loss()                       (mean)
    huber  torch.nn.HuberLoss(delta=delta)         (mean); at delta = 1 the
           script asserts it equals torch.nn.SmoothL1Loss(beta=1)
    bce    torch.nn.BCEWithLogitsLoss()            (mean)
    bce with pos_weight
           torch.nn.BCEWithLogitsLoss(pos_weight=p) (mean; p one per column,
           PosWeightedBCE): the cases with a "pos_weight" field
    ce     torch.nn.CrossEntropyLoss(weight=w, label_smoothing=eps) (mean:
           divided by the sum of the target classes' weights, both terms)
Numbers are written as Python's repr ("nan", "-inf", "-0.0"), which Go's
strconv.ParseFloat reads exactly.
"""
import json
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
g = torch.Generator().manual_seed(23)


def f32(rows, cols, scale=1.0):
    return (torch.randn(rows, cols, generator=g) * scale).float()


def loss_and_grad(name, pred, target, delta):
    p = pred.double().clone().requires_grad_(True)
    t = target.double()
    if name == "mse":
        loss = torch.nn.MSELoss()(p, t)
    elif name == "l1":
        loss = torch.nn.L1Loss()(p, t)
    elif name == "huber":
        loss = torch.nn.HuberLoss(delta=delta)(p, t)
        if delta == 1.0:
            s = torch.nn.SmoothL1Loss(beta=1.0)(p.detach(), t)
            assert torch.equal(s, loss.detach()) or (s.isnan() and loss.isnan()), (s, loss)
    else:
        loss = torch.nn.BCEWithLogitsLoss()(p, t)
    (grad,) = torch.autograd.grad(loss, p)
    return loss.detach(), grad


def bce_pos_weight(label, pred, target, pw):
    p = pred.double().clone().requires_grad_(True)
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=pw.double())(p, target.double())
    (grad,) = torch.autograd.grad(loss, p)
    return {
        "loss_fn": "bce", "delta": "0.0", "inputs": label, "rows": pred.shape[0], "cols": pred.shape[1],
        "pred": rep(pred), "target": rep(target), "pos_weight": rep(pw),
        "loss": repr(float(loss.detach())), "grad": rep(grad),
    }


def inputs():
    """(label, pred, target) pairs: 3×5 ordinary inputs with exact ties
    (pred = target, the L1 and Huber kinks) and |d| = delta points, a
    multi-label 0/1 target, and 2×3 inputs with one NaN or ±Inf."""
    p, t = f32(3, 5, 2.0), f32(3, 5, 2.0)
    p[0, 0] = t[0, 0]          # d = 0: sign 0
    p[0, 1] = t[0, 1] + 1.0    # |d| = 1: Huber's boundary at delta 1 (as nearly as float32 allows)
    p[0, 2] = t[0, 2] - 0.5
    yield "ordinary", p, t
    yield "multi-label 0/1 target", f32(3, 5, 3.0), (torch.rand(3, 5, generator=g) < 0.5).float()
    yield "probability target", f32(4, 7, 4.0), torch.rand(4, 7, generator=g).float()
    for where in ["pred", "target"]:
        for v in [float("nan"), float("inf"), float("-inf")]:
            for y in [0.0, 1.0]:
                p, t = f32(2, 3), torch.full((2, 3), y).float()
                t[1, 1] = 0.25
                if where == "pred":
                    p[1, 2] = v
                else:
                    t[1, 2] = v
                yield f"{v} in {where}, target {y}", p, t


def rep(x):
    return [repr(float(v)) for v in x.flatten()]


cases = []
for label, pred, target in inputs():
    for name, delta in [("mse", 0.0), ("l1", 0.0), ("huber", 1.0), ("huber", 0.5), ("bce", 0.0)]:
        loss, grad = loss_and_grad(name, pred, target, delta)
        cases.append({
            "loss_fn": name, "delta": repr(delta), "inputs": label,
            "rows": pred.shape[0], "cols": pred.shape[1],
            "pred": rep(pred), "target": rep(target),
            "loss": repr(float(loss)), "grad": rep(grad),
        })
    # pos_weight 1, 0, then growing past 1: column 0 is the plain loss.
    pw = torch.tensor([1.0, 0.0] + [0.5 + 0.75 * j for j in range(pred.shape[1] - 2)])
    cases.append(bce_pos_weight(label, pred, target, pw))


def ce_inputs():
    """(label, logits, labels) for the weighted, smoothed cross-entropy:
    4×5 ordinary logits, then a NaN, +Inf or −Inf logit at the label or
    elsewhere, and a label that is no class index (PyTorch refuses it; the
    golden value is NaN, gltrain's contract)."""
    y = torch.tensor([0, 3, 1, 3])
    yield "ordinary", f32(4, 5, 2.0), y
    for v in [float("nan"), float("inf"), float("-inf")]:
        for col, where in [(3, "at the label"), (0, "elsewhere")]:
            x = f32(4, 5)
            x[1, col] = v
            yield f"{v} {where}", x, y


weights = torch.tensor([0.5, 2.0, 1.0, 3.0, 0.25])
for label, x, y in ce_inputs():
    for w in [None, weights]:
        for eps in [0.0, 0.1]:
            xd = x.double().clone().requires_grad_(True)
            fn = torch.nn.CrossEntropyLoss(weight=None if w is None else w.double(), label_smoothing=eps)
            loss = fn(xd, y)
            (grad,) = torch.autograd.grad(loss, xd)
            cases.append({
                "loss_fn": "ce", "inputs": label, "rows": x.shape[0], "cols": x.shape[1],
                "pred": rep(x), "labels": rep(y.float()), "weight": [] if w is None else rep(w),
                "smoothing": repr(eps), "loss": repr(float(loss)), "grad": rep(grad),
            })
x = f32(2, 3)
cases.append({
    "loss_fn": "ce", "inputs": "label 7 of 3 classes", "rows": 2, "cols": 3,
    "pred": rep(x), "labels": ["0.0", "7.0"], "weight": [], "smoothing": "0.1",
    "loss": "nan", "grad": ["nan"] * 6,
})

# pos_weight itself NaN, +Inf or 0 in a column, against targets 0, 1 and
# between (drawn last, so the cases above keep their inputs).
for v in [float("nan"), float("inf"), 0.0]:
    x, t = f32(3, 3), torch.tensor([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25], [1.0, 1.0, 0.0]])
    cases.append(bce_pos_weight(f"pos_weight {v} in column 1", x, t, torch.tensor([2.0, v, 0.5])))

with open(os.path.join(here, "loss_golden.json"), "w") as f:
    json.dump({"torch": torch.__version__, "dtype": "float64", "cases": cases}, f, indent=0)
    f.write("\n")
