"""Checks gltrain's weight-decay mask against PyTorch's parameter groups.

usage: torch_decay_groups.py CASE.json [TOL]

CASE.json (written by nn's TestDecayMaskMatchesPyTorch) holds a
torch.nn.Sequential(Linear(2, 4), Tanh(), LayerNorm(4), Linear(4, 3))'s
initial state (gltrain's saved names and layouts), a batch x, y, the
optimiser (adamw or sgd), its lr, wd, the number of steps and gltrain's
final state. The decayed parameters are those with two or more dimensions
(nanoGPT's rule), in one group with weight_decay=wd, the others in one with
weight_decay=0. After the steps of mean cross-entropy on the batch, every
parameter must match gltrain's within TOL (default 1e-6). Exits 1 if not.
"""
import json
import sys

import torch

case = json.load(open(sys.argv[1]))
tol = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-6
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.LayerNorm(4), torch.nn.Linear(4, 3))


def tensors(state):
    return {t["Name"]: torch.tensor(t["Data"], dtype=torch.float32).reshape(t["Shape"]) for t in state}


net.load_state_dict(tensors(case["initial"]), strict=True)
decay = [p for p in net.parameters() if p.dim() >= 2]
other = [p for p in net.parameters() if p.dim() < 2]
groups = [{"params": decay, "weight_decay": case["wd"]}, {"params": other, "weight_decay": 0.0}]
if case["opt"] == "adamw":
    opt = torch.optim.AdamW(groups, lr=case["lr"])
else:
    opt = torch.optim.SGD(groups, lr=case["lr"], momentum=0.9)
x = torch.tensor(case["x"], dtype=torch.float32).reshape(-1, 2)
y = torch.tensor(case["y"], dtype=torch.int64)
for _ in range(case["steps"]):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    opt.step()

want = tensors(case["final"])
worst = 0.0
for name, p in net.state_dict().items():
    d = (p - want[name]).abs().max().item()
    worst = max(worst, d)
    if d > tol:
        print(f"{case['opt']}: {name} differs from gltrain's by {d:g} > {tol:g}")
        sys.exit(1)
print(f"{case['opt']}: every parameter within {worst:g} of gltrain's (tolerance {tol:g})")
