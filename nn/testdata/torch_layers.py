"""Checks a gltrain model's outputs and gradients against PyTorch's.

usage: torch_layers.py MODEL.safetensors CASE.json [CASE.json …] [MODEL CASE … …]

Each checkpoint is followed by its cases. Builds the network the
checkpoint's "model" metadata describes (linear, flatten, conv2d,
maxpool2d, the activations, layernorm, batchnorm, avgpool2d,
globalavgpool, embedding, residual, graph), loads its tensors with
load_state_dict(strict=True),
runs it in float64 on CASE's inputs x and backpropagates the loss
sum(y * dy), then compares y, the gradient of x and every parameter's
gradient with gltrain's (CASE's y, dx and grads by state-dict name). The
network runs in evaluation mode, or in training mode when CASE's "train"
is true (BatchNorm normalising with the batch's statistics); then the
buffers after the pass (BatchNorm's running statistics and count) are
compared with CASE's "buffers" too. Each case starts from the checkpoint:

    |gltrain - torch| <= 1e-5 * |torch| + 1e-5 * max |torch of that tensor|

float64 makes PyTorch the exact side; gltrain computes in float32, whose
sums of many terms err relative to the terms, so an element that cancels
to near zero is judged against its tensor's scale. In training mode a
whole tensor may cancel to zero (the bias of a layer before a BatchNorm,
which the normalisation removes: its gradient is a sum over the batch of
O(1) terms that cancel exactly), so 1e-6 absolute is allowed there too:
float32 sums of a few O(1) terms err by about 1e-7. Exits 1 on a mismatch.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gltrain_torch import build, inputs, read_checkpoint  # noqa: E402

def check(state, model, case):
    """Runs one case on a fresh network from the checkpoint; True when it matches."""
    net = build(model, state).double()  # eval mode, as gltrain's side runs, unless the case trains
    if case.get("train"):
        net.train()
    x = inputs(model, torch.tensor(case["x"], dtype=torch.float64))
    x.requires_grad_(not any(s["type"] == "embedding" for s in model["layers"]))  # ids take no gradient
    y = net(x)
    dy = torch.tensor(case["dy"], dtype=torch.float64).reshape(y.shape)
    (y * dy).sum().backward()

    want = {"y": y.detach()}
    if x.grad is not None:
        want["dx"] = x.grad
    want.update({"grad " + k: p.grad for k, p in net.named_parameters()})
    got = {"y": case["y"]}
    if case["dx"] is not None:
        got["dx"] = case["dx"]
    got.update({"grad " + k: v for k, v in case["grads"].items()})
    if case.get("train"):
        want.update({"buffer " + k: b.double() for k, b in net.named_buffers()})
        got.update({"buffer " + k: v for k, v in case["buffers"].items()})
    assert sorted(want) == sorted(got), (sorted(want), sorted(got))
    ok = True
    print(f"torch {torch.__version__}, {'training' if case.get('train') else 'evaluation'} mode: {net}")
    for k in sorted(want):
        w = want[k].numpy().reshape(-1)
        g = np.array(got[k], dtype=np.float64)
        err = np.abs(g - w)
        lim = 1e-5 * np.abs(w) + 1e-5 * np.abs(w).max() + (1e-6 if case.get("train") else 0)
        worst = int(np.argmax(err - lim))
        print(f"{k}: {w.size} values, max |gltrain - torch| {err.max():.3g}, worst [{worst}] {g[worst]:.9g} vs {w[worst]:.9g}")
        ok = ok and not bool((err > lim).any())
    return ok


args = sys.argv[1:]
assert args and args[0].endswith(".safetensors"), __doc__.split("\n\n")[1]
results = []
for arg in args:
    if arg.endswith(".safetensors"):
        state, model = read_checkpoint(arg)
        continue
    with open(arg) as f:
        results.append(check(state, model, json.load(f)))
sys.exit(0 if all(results) else 1)
