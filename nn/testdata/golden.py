#!/usr/bin/env python3
"""Records the PyTorch run that nn/golden_test.go checks gltrain against.

A 4-8-3 MLP with exact GELU, float32, on 16 fixed samples: the initial
logits, loss and gradients, then 10 full-batch steps of each optimiser
(losses before each step, as gltrain's history records them).

    /usr/bin/python3 nn/testdata/golden.py > nn/testdata/golden.json

gltrain stores W as in×out (x·W); torch.nn.Linear stores out×in (x·Wᵀ), so
weights and their gradients are written transposed.
"""
import json

import torch

torch.manual_seed(0)
torch.set_num_threads(1)
x = torch.randn(16, 4)
y = torch.randint(0, 3, (16,))


def make():
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))


def state(model):
    out = {}
    for name, p in model.named_parameters():
        t = p.detach()
        out["layers." + name] = (t.t() if t.dim() == 2 else t.unsqueeze(0)).reshape(-1).tolist()
    return out


def grads(model):
    out = {}
    for name, p in model.named_parameters():
        g = p.grad
        out["layers." + name] = (g.t() if g.dim() == 2 else g.unsqueeze(0)).reshape(-1).tolist()
    return out


model = make()
init = state(model)
logits = model(x)
loss = torch.nn.functional.cross_entropy(logits, y)
loss.backward()
record = {
    "x": x.reshape(-1).tolist(),
    "labels": y.tolist(),
    "init": init,
    "logits": logits.detach().reshape(-1).tolist(),
    "loss": loss.item(),
    "grads": grads(model),
    "runs": {},
}

optimisers = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=1e-2),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
}
for name, make_opt in optimisers.items():
    model = make()
    opt = make_opt(model.parameters())
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    record["runs"][name] = {"losses": losses, "final": state(model)}

record["torch"] = torch.__version__
print(json.dumps(record))
