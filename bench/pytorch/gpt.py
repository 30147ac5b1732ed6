#!/usr/bin/env python3
"""The GPT reference in PyTorch: nanoGPT's model (bench/pytorch/nanogpt.py,
its manual attention path, since torch 1.13 has no
scaled_dot_product_attention) trained as gltrain trains nn.GPT.

    gpt.py steps IN.safetensors

IN holds gltrain's initial checkpoint tensors (nanoGPT's names, the tied
lm_head.weight among them), the batches "x" and "y" (steps×B×T token ids
as floats; y is x shifted by one in the text) and, in its metadata, "gpt"
(the config: vocab, ctx, layers, heads, embd) and "train" (JSON: lr, wd,
clip, warmup, beta1, beta2, eps). The model loads the tensors with
load_state_dict(strict=True) and takes one AdamW step a batch:

  - weight decay on the blocks' Linear weights only (not the biases,
    LayerNorms or embeddings), decoupled as torch.optim.AdamW's;
  - the gradients clipped to a global norm of clip (clip_grad_norm_; 0: no
    clipping);
  - the rate warmed up linearly over warmup steps, LambdaLR(lambda s:
    min(1, (s+1)/warmup)) stepped after each batch, as nn.Warmup does;

in float32, the precision gltrain trains in. It prints the steps' losses
(the mean cross-entropy of each batch before its step) as a JSON list.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nanogpt import GPT  # noqa: E402


def read(path):
    """The tensors of a safetensors file (F32) and its metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise SystemExit("%s: tensor %s is %s, want F32" % (path, name, t["dtype"]))
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").copy().reshape(t["shape"]))
    return out, meta


def steps(path):
    t, meta = read(path)
    c, h = json.loads(meta["gpt"]), json.loads(meta["train"])
    xs, ys = t.pop("x").long(), t.pop("y").long()
    torch.manual_seed(0)
    model = GPT(c)
    model.load_state_dict(t, strict=True)
    decayed = {n for n, _ in model.named_parameters()
               if n.endswith(("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"))}
    groups = [
        {"params": [p for n, p in model.named_parameters() if n in decayed], "weight_decay": h["wd"]},
        {"params": [p for n, p in model.named_parameters() if n not in decayed], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"])
    warm = max(int(h["warmup"]), 1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))
    losses = []
    for x, y in zip(xs, ys):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if h["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), h["clip"])
        opt.step()
        sched.step()
        losses.append(loss.item())
    json.dump(losses, sys.stdout)
    print()


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "steps":
        raise SystemExit(__doc__)
    steps(sys.argv[2])


if __name__ == "__main__":
    main()
