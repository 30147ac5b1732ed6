"""Loads a gltrain checkpoint into the torch.nn.Sequential it describes.

usage: torch_load.py MODEL.safetensors X.f32 LOGITS.f32 [TOL]

Reads the safetensors file with struct and json (the safetensors package
may be missing), builds torch.nn.Sequential from the "model" metadata,
calls load_state_dict(strict=True) with the model's tensors (the
"optimizer." ones left out), and checks that its logits for X match
gltrain's within TOL (default 1e-5). Exits 1 on a mismatch.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gltrain_torch import build, inputs, read_checkpoint  # noqa: E402

path, x_path, logits_path = sys.argv[1:4]
state, model = read_checkpoint(path)
net = build(model, state)
x = inputs(model, torch.from_numpy(np.fromfile(x_path, dtype="<f4")))
want = np.fromfile(logits_path, dtype="<f4").reshape(-1, model["outputs"])
with torch.no_grad():
    got = net(x).numpy()
diff = float(np.abs(got - want).max())
print(f"torch {torch.__version__}: {net}\nmax |torch - gltrain| over {got.size} logits: {diff:.3g}")
tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
sys.exit(0 if diff <= tol else 1)
