"""Loads a gltrain checkpoint into the torch.nn.Sequential it describes.

usage: torch_load.py MODEL.safetensors X.f32 LOGITS.f32 [TOL]

Reads the safetensors file with struct and json (the safetensors package
may be missing), builds torch.nn.Sequential from the "model" metadata,
calls load_state_dict(strict=True) with the model's tensors (the
"optimizer." ones left out), and checks that its logits for X match
gltrain's within TOL (default 1e-5). Exits 1 on a mismatch.
"""
import json
import struct
import sys

import inspect
import os

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "backend", "backendtest", "testdata"))
from torch_activations import ACTIVATIONS  # noqa: E402  (the activation table's PyTorch modules)

path, x_path, logits_path = sys.argv[1:4]
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
    assert t["dtype"] == "F32", t["dtype"]
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
    if kind == "dropout":
        return torch.nn.Dropout(spec["p"])
    if kind == "softmax":
        return torch.nn.Softmax(dim=1)
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
    if kind == "globalavgpool":  # one module, so that the indices after it stay gltrain's
        return torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    if kind == "residual":
        return Residual(layer(spec["layers"][0]))
    if kind == "sequential":
        return torch.nn.Sequential(*[layer(s) for s in spec["layers"]])
    # An activation: its first parameter is "alpha", the others by name.
    make = ACTIVATIONS[kind]
    params = dict(spec.get("params", {}))
    if "alpha" in spec:
        params[next(iter(inspect.signature(make).parameters))] = spec["alpha"]
    return make(**params)


model = json.loads(meta["model"])
net = torch.nn.Sequential(*[layer(s) for s in model["layers"]])
net.load_state_dict(state, strict=True)
net.eval()
x = torch.from_numpy(np.fromfile(x_path, dtype="<f4").reshape(-1, model["inputs"]))
if "image" in model:  # rows of C·H·W values are NCHW images
    img = model["image"]
    x = x.reshape(-1, img["c"], img["h"], img["w"])
want = np.fromfile(logits_path, dtype="<f4").reshape(-1, model["outputs"])
with torch.no_grad():
    got = net(x).numpy()
diff = float(np.abs(got - want).max())
print(f"torch {torch.__version__}: {net}\nmax |torch - gltrain| over {got.size} logits: {diff:.3g}")
tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
sys.exit(0 if diff <= tol else 1)
