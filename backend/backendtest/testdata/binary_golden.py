"""Regenerates binary_golden.json: PyTorch's f(a, b) and its backward pass
da, db for each upstream gradient dy, in float64, for every row of
gltrain's binary table (backend/binary.go), at every pair of the points
below (which backendtest.BinaryGoldenPoints and BinaryGoldenDys repeat).

usage (from the repository root, with Debian's python3-torch):
    /usr/bin/python3 backend/backendtest/testdata/binary_golden.py

Each value comes from tensors that hold 64 copies of its pair, so that
PyTorch computes it in its vectorised kernels, as for any real tensor.
Numbers are written as Python's repr ("nan", "-inf", "-0.0"), which Go's
strconv.ParseFloat reads exactly.
"""
import json
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))

# The points, each a float32 value (so that the kernels see exactly what
# PyTorch was given): NaN, ±Inf, ±0, ties, and magnitudes whose products
# and quotients overflow or underflow float32.
POINTS = [float(torch.tensor(v, dtype=torch.float32))
          for v in (float("nan"), float("inf"), float("-inf"), 0.0, -0.0,
                    1.0, -1.0, 2.5, -3.0, 0.5, 3e38, -1e-30)]
DYS = [1.0, -2.0, float("inf"), float("nan"), 0.0]

OPS = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
}

COPIES = 64
t = torch.float64
n = len(POINTS)
pa = torch.tensor(POINTS, dtype=t).repeat_interleave(n)  # pair k = (POINTS[k//n], POINTS[k%n])
pb = torch.tensor(POINTS, dtype=t).repeat(n)

rows = {}
for name, f in OPS.items():
    y = f(pa, pb)
    da, db = [], []
    for dy in DYS:
        a = pa.repeat_interleave(COPIES).clone().requires_grad_(True)
        b = pb.repeat_interleave(COPIES).clone().requires_grad_(True)
        ga, gb = torch.autograd.grad(f(a, b), (a, b), torch.full_like(a, dy))
        da.append(ga[::COPIES])
        db.append(gb[::COPIES])
    rows[name] = {
        "f": [repr(float(v)) for v in y],
        "da": [[repr(float(d[k])) for d in da] for k in range(n * n)],
        "db": [[repr(float(d[k])) for d in db] for k in range(n * n)],
    }
out = {"torch": torch.__version__, "dtype": "float64",
       "points": [repr(v) for v in POINTS], "dys": [repr(v) for v in DYS], "ops": rows}
with open(os.path.join(here, "binary_golden.json"), "w") as fh:
    json.dump(out, fh, indent=0, sort_keys=True)
    fh.write("\n")
print(f"binary_golden.json: {len(rows)} ops at {n * n} pairs, torch {torch.__version__}")
