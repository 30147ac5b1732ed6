"""Reads gltrain checkpoints into PyTorch: the shared part of torch_load.py
and torch_layers.py.

read_checkpoint returns a safetensors file's model tensors (the
"optimizer." ones left out) and its "model" metadata, read with struct
and json (the safetensors package may be missing); build returns the
torch.nn.Sequential the model describes (or its Graph, for a model whose
network is a gltrain Graph), with PyTorch's modules for every layer spec
and the activation table's (torch_activations.py). Dropout is
torch.nn.Dropout, which net.eval() makes the identity.
"""
import inspect
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "backend", "backendtest", "testdata"))
from torch_activations import ACTIVATIONS  # noqa: E402  (the activation table's PyTorch modules)


def read_checkpoint(path):
    """The model tensors by name, and the decoded "model" metadata."""
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
        assert t["dtype"] in ("F32", "I64"), t["dtype"]  # I64: BatchNorm's num_batches_tracked
        a, b = t["data_offsets"]
        dtype = "<f4" if t["dtype"] == "F32" else "<i8"
        state[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=dtype).copy().reshape(t["shape"]))
    return state, json.loads(meta["model"])


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


class Graph(torch.nn.Module):
    """gltrain's Graph: named nodes in order, each a layer applied to one
    input ("x", the graph's input, or an earlier node) or a merge (add, mul,
    concat) of several; the last node is the output. A layer is held under
    its node's name, so its parameters are "<name>.weight", as gltrain
    names them. Merging values of different shapes (images of different
    sizes, or images and flat features) merges them flattened, as gltrain's
    rows of C·H·W values are."""

    def __init__(self, nodes):
        super().__init__()
        self._graph = [(n["name"], n["type"], n["inputs"]) for n in nodes]
        for n in nodes:
            if n["type"] not in MERGES:
                spec = {k: v for k, v in n.items() if k not in ("name", "inputs")}
                self._modules[n["name"]] = layer(spec)  # not add_module: a name may be a Module attribute's

    def forward(self, x):
        values = {"x": x}
        for name, kind, inputs in self._graph:
            xs = [values[i] for i in inputs]
            if kind in MERGES:
                xs = merge_shapes(kind, xs)
            if kind == "add":
                y = sum(xs[1:], xs[0])
            elif kind == "mul":
                y = xs[0]
                for v in xs[1:]:
                    y = y * v
            elif kind == "concat":
                y = torch.cat(xs, dim=1)
            else:
                y = self._modules[name](xs[0])
            values[name] = y
        return y


MERGES = ("add", "mul", "concat")


def merge_shapes(kind, xs):
    """xs as a merge takes them: as they are when they have one shape (for
    concat, images of one height and width), else flattened."""
    if kind == "concat" and all(v.dim() == 4 and v.shape[2:] == xs[0].shape[2:] for v in xs):
        return xs
    if kind != "concat" and all(v.shape == xs[0].shape for v in xs):
        return xs
    return [v.flatten(1) for v in xs]


def layer(spec):
    """The PyTorch module of one gltrain layer spec."""
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
    if kind == "batchnorm":  # in: features (1d); else images of c channels (2d)
        return torch.nn.BatchNorm1d(spec["in"]) if "in" in spec else torch.nn.BatchNorm2d(spec["c"])
    if kind == "embedding":
        return Embedding(spec["in"], spec["out"])
    if kind == "avgpool2d":
        return torch.nn.AvgPool2d((spec["kh"], spec["kw"]), stride=spec["stride"])
    if kind == "globalavgpool":  # one module, so that the indices after it stay gltrain's
        return torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    if kind == "residual":
        return Residual(layer(spec["layers"][0]))
    if kind == "graph":
        return Graph(spec["layers"])
    if kind == "sequential":
        return torch.nn.Sequential(*[layer(s) for s in spec["layers"]])
    # An activation: its first parameter is "alpha", the others by name.
    make = ACTIVATIONS[kind]
    params = dict(spec.get("params", {}))
    if "alpha" in spec:
        params[next(iter(inspect.signature(make).parameters))] = spec["alpha"]
    return make(**params)


def build(model, state):
    """The model's torch.nn.Sequential with state loaded strictly, in eval mode."""
    if model.get("net") == "graph":
        net = Graph(model["layers"])
    else:
        net = torch.nn.Sequential(*[layer(s) for s in model["layers"]])
    net.load_state_dict(state, strict=True)
    return net.eval()


def inputs(model, x):
    """x as the network takes it: rows of C·H·W values become NCHW images."""
    x = x.reshape(-1, model["inputs"])
    if "image" in model:
        img = model["image"]
        x = x.reshape(-1, img["c"], img["h"], img["w"])
    return x
