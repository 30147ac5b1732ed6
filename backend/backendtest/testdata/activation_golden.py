"""Regenerates activation_golden.json: PyTorch's f(x), f'(x) and the
backward pass dx for dy, in float64, for every setting of gltrain's
activation table, at the points backendtest.GoldenXs and GoldenDys.

usage (from the repository root, with Debian's python3-torch):
    /usr/bin/python3 backend/backendtest/testdata/activation_golden.py

It asks `go run ./backend/backendtest/internal/goldenspec` what to cover,
so a new row of the table needs only its entry in torch_activations.py.
Each value comes from a tensor that holds 64 copies of its point, so
that PyTorch computes it in its vectorised kernels, as it does for any
real tensor; its scalar loop, which only runs the tail of a tensor whose
size is not a multiple of the vector width, differs at a few points
(ELU'(NaN) is 1 there and NaN in the vectorised kernel, Hardswish'(3)
is 1.5 there and 1 in the vectorised kernel).
Numbers are written as Python's repr ("nan", "-inf", "-0.0"), which Go's
strconv.ParseFloat reads exactly.
"""
import json
import os
import subprocess
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from torch_activations import ACTIVATIONS  # noqa: E402

spec = json.loads(subprocess.run(["go", "run", "./backend/backendtest/internal/goldenspec"],
                                 check=True, capture_output=True, text=True).stdout)
xs = torch.tensor([float(v) for v in spec["xs"]], dtype=torch.float64)
dys = torch.tensor([float(v) for v in spec["dys"]], dtype=torch.float64)


COPIES = 64  # a multiple of every vector width: no element is left to the scalar loop


def f_and_grads(module):
    """f(x), f'(x) (dy = 1) and dx[i][j] for x_i, dy_j, all in float64."""
    x = xs.repeat_interleave(COPIES).clone().requires_grad_(True)
    y = module(x)
    (df,) = torch.autograd.grad(y, x, torch.ones_like(x))
    xx = xs.repeat_interleave(len(dys) * COPIES).clone().requires_grad_(True)
    (dx,) = torch.autograd.grad(module(xx), xx, dys.repeat_interleave(COPIES).repeat(len(xs)))
    first = slice(None, None, COPIES)
    return y.detach()[first], df[first], dx[first].reshape(len(xs), len(dys))


rows = {}
for s in spec["settings"]:
    if s["name"] not in ACTIVATIONS:
        sys.exit(f"activation_golden.py: torch_activations.py has no entry for {s['name']!r}")
    y, df, dx = f_and_grads(ACTIVATIONS[s["name"]](**s["params"]).double())
    rows[s["setting"]] = {
        "f": [repr(float(v)) for v in y],
        "df": [repr(float(v)) for v in df],
        "dx": [[repr(float(v)) for v in r] for r in dx],
    }
out = {"torch": torch.__version__, "dtype": "float64", "xs": spec["xs"], "dys": spec["dys"], "settings": rows}
with open(os.path.join(here, "activation_golden.json"), "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
    f.write("\n")
print(f"activation_golden.json: {len(rows)} settings at {len(xs)} points, torch {torch.__version__}")
