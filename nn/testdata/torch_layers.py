"""Checks a gltrain model's outputs and gradients against PyTorch's.

usage: torch_layers.py MODEL.safetensors CASE.json

Builds the torch.nn.Sequential the checkpoint's "model" metadata
describes (linear, flatten, conv2d, maxpool2d, the activations, layernorm,
avgpool2d, globalavgpool, embedding, residual), loads its tensors with load_state_dict(strict=True),
runs it in float64 on CASE's inputs x and backpropagates the loss
sum(y * dy), then compares y, the gradient of x and every parameter's
gradient with gltrain's (CASE's y, dx and grads by state-dict name):

    |gltrain - torch| <= 1e-5 * |torch| + 1e-5 * max |torch of that tensor|

float64 makes PyTorch the exact side; gltrain computes in float32, whose
sums of many terms err relative to the terms, so an element that cancels
to near zero is judged against its tensor's scale. Exits 1 on a mismatch.
"""
import inspect
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "backend", "backendtest", "testdata"))
from torch_activations import ACTIVATIONS  # noqa: E402

path, case_path = sys.argv[1:3]
with open(path, "rb") as f:
    raw = f.read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__")
body = raw[8 + n:]
state = {}
for name, t in header.items():
    if name.startswith("optimizer."):
        continue
    a, b = t["data_offsets"]
    state[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").copy().reshape(t["shape"]))


class Embedding(torch.nn.Embedding):
    """torch.nn.Embedding on gltrain's input, a column of ids stored as floats."""

    def forward(self, x):
        return super().forward(x.reshape(-1).long())


class Residual(torch.nn.Module):
    """gltrain's residual block, x + f(x)."""

    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return x + self.f(x)


def layer(spec):
    kind = spec["type"]
    if kind == "linear":
        return torch.nn.Linear(spec["in"], spec["out"])
    if kind == "flatten":
        return torch.nn.Flatten()
    if kind == "conv2d":
        return torch.nn.Conv2d(spec["c"], spec["out"], (spec["kh"], spec["kw"]), stride=spec["stride"], padding=spec.get("pad", 0))
    if kind == "maxpool2d":
        return torch.nn.MaxPool2d((spec["kh"], spec["kw"]), stride=spec["stride"])
    if kind == "layernorm":
        return torch.nn.LayerNorm(spec["in"])
    if kind == "embedding":
        return Embedding(spec["in"], spec["out"])
    if kind == "avgpool2d":
        return torch.nn.AvgPool2d((spec["kh"], spec["kw"]), stride=spec["stride"])
    if kind == "globalavgpool":
        return torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    if kind == "residual":
        return Residual(layer(spec["layers"][0]))
    if kind == "dropout":  # gltrain's side runs in evaluation mode: the identity, no parameters
        return torch.nn.Identity()
    if kind == "sequential":
        return torch.nn.Sequential(*[layer(s) for s in spec["layers"]])
    make = ACTIVATIONS[kind]
    params = dict(spec.get("params", {}))
    if "alpha" in spec:
        params[next(iter(inspect.signature(make).parameters))] = spec["alpha"]
    return make(**params)


model = json.loads(meta["model"])
net = torch.nn.Sequential(*[layer(s) for s in model["layers"]])
net.load_state_dict(state, strict=True)
net = net.double()
with open(case_path) as f:
    case = json.load(f)
x = torch.tensor(case["x"], dtype=torch.float64).reshape(-1, model["inputs"])
if "image" in model:
    img = model["image"]
    x = x.reshape(-1, img["c"], img["h"], img["w"])
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
sys.exit(1 if bad else 0)
