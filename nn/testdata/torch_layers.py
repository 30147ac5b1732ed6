"""Checks a gltrain model's outputs and gradients against PyTorch's.

usage: torch_layers.py MODEL.safetensors CASE.json [MODEL CASE …]

Builds the torch.nn.Sequential the checkpoint's "model" metadata
describes (linear, flatten, conv2d, maxpool2d, the activations, layernorm,
avgpool2d, globalavgpool, embedding, residual, graph), loads its tensors with load_state_dict(strict=True),
runs it in float64 on CASE's inputs x and backpropagates the loss
sum(y * dy), then compares y, the gradient of x and every parameter's
gradient with gltrain's (CASE's y, dx and grads by state-dict name):

    |gltrain - torch| <= 1e-5 * |torch| + 1e-5 * max |torch of that tensor|

float64 makes PyTorch the exact side; gltrain computes in float32, whose
sums of many terms err relative to the terms, so an element that cancels
to near zero is judged against its tensor's scale. Exits 1 on a mismatch.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gltrain_torch import build, inputs, read_checkpoint  # noqa: E402

def check(path, case_path):
    """Compares one checkpoint's case; True on a mismatch."""
    state, model = read_checkpoint(path)
    net = build(model, state).double()  # eval mode: gltrain's side runs in evaluation mode
    with open(case_path) as f:
        case = json.load(f)
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
    assert sorted(want) == sorted(got), (sorted(want), sorted(got))
    bad = False
    print(f"torch {torch.__version__}: {net}")
    for k in sorted(want):
        w = want[k].numpy().reshape(-1)
        g = np.array(got[k], dtype=np.float64)
        err = np.abs(g - w)
        lim = 1e-5 * np.abs(w) + 1e-5 * np.abs(w).max()
        worst = int(np.argmax(err - lim))
        print(f"{k}: {w.size} values, max |gltrain - torch| {err.max():.3g}, worst [{worst}] {g[worst]:.9g} vs {w[worst]:.9g}")
        bad = bad or bool((err > lim).any())
    return bad


args = sys.argv[1:]
assert args and len(args) % 2 == 0, "usage: torch_layers.py MODEL.safetensors CASE.json [MODEL CASE …]"
mismatch = [check(args[i], args[i + 1]) for i in range(0, len(args), 2)]
sys.exit(1 if any(mismatch) else 0)
