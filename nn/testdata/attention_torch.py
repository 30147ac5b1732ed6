"""Checks gltrain's nn.CausalSelfAttention against nanoGPT's in PyTorch.

usage: attention_torch.py MODEL.safetensors CASE.json

MODEL is a checkpoint of a Sequential whose only layer is a
causal_self_attention (Embd, heads, ctx in its "model" metadata). This
builds nanoGPT's CausalSelfAttention (model.py, with bias, no dropout;
torch 1.13 has no scaled_dot_product_attention, so its manual path) in a
torch.nn.Sequential, loads the checkpoint with load_state_dict(strict=True),
runs it in float64 on CASE's x (B*ctx rows of Embd) and backpropagates
sum(y * dy), then compares y, the gradient of x and every parameter's
gradient with gltrain's (CASE's y, dx and grads by state-dict name) as
torch_layers.py does:

    |gltrain - torch| <= 1e-5 * |torch| + 1e-5 * max |torch of that tensor|

Exits 1 on a mismatch.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gltrain_torch import read_checkpoint  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "pytorch"))
from nanogpt import CausalSelfAttention  # noqa: E402


path, case_path = sys.argv[1:3]
state, model = read_checkpoint(path)
(spec,) = model["layers"]
assert spec["type"] == "causal_self_attention", spec
embd, heads, ctx = spec["in"], int(spec["params"]["heads"]), int(spec["params"]["ctx"])
net = nn.Sequential(CausalSelfAttention(embd, heads, ctx))
net.load_state_dict(state, strict=True)
net = net.double()
with open(case_path) as f:
    case = json.load(f)
x = torch.tensor(case["x"], dtype=torch.float64).reshape(-1, ctx, embd).requires_grad_()
y = net(x)
dy = torch.tensor(case["dy"], dtype=torch.float64).reshape(y.shape)
(y * dy).sum().backward()

want = {"y": y.detach(), "dx": x.grad}
want.update({"grad " + k: p.grad for k, p in net.named_parameters()})
got = {"y": case["y"], "dx": case["dx"]}
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
sys.exit(1 if bad else 0)
