#!/usr/bin/env python3
"""The GPT reference in PyTorch: nanoGPT's model (bench/pytorch/nanogpt.py,
its manual attention path, since torch 1.13 has no
scaled_dot_product_attention) trained as gltrain trains nn.GPT.

    gpt.py steps IN.safetensors
    gpt.py train DIR [--threads N] [--evals K]

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

train is the quality reference of `train -data=go -model=gpt`: DIR is
what `go run ./bench/gptquality -out DIR` writes (init.safetensors,
gltrain's initial model; train.bin and valid.bin, the corpus cut as train
cuts it; starts.bin, each step's sequence starts as train draws them;
meta.json). It trains the same model on the same batches with train's
defaults for text, Adam (lr 1e-3, PyTorch's betas and eps, no decay, no
clipping, no warm-up), and prints the validation loss (the mean over the
validation text's non-overlapping windows of ctx bytes, as train reports
it) at K evenly spaced steps and at the end, as JSON lines.
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


def validate(model, valid, ctx):
    """The mean loss over valid's non-overlapping windows of ctx tokens
    (targets shifted by one, the last partial window dropped)."""
    n = (len(valid) - 1) // ctx
    ids = torch.frombuffer(bytearray(valid), dtype=torch.uint8).long()
    total = 0.0
    model.eval()
    with torch.no_grad():
        for w in range(0, n, 64):
            k = min(64, n - w)
            x = torch.stack([ids[(w + i) * ctx:(w + i + 1) * ctx] for i in range(k)])
            y = torch.stack([ids[(w + i) * ctx + 1:(w + i + 1) * ctx + 1] for i in range(k)])
            logits = model(x)
            total += F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1)).item() * k
    model.train()
    return total / n


def train(d, threads, evals):
    import time
    if threads > 0:
        torch.set_num_threads(threads)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    c, batch, nsteps = meta["gpt"], meta["batch"], meta["steps"]
    t, _ = read(os.path.join(d, "init.safetensors"))
    model = GPT(c)
    model.load_state_dict(t, strict=True)
    with open(os.path.join(d, "train.bin"), "rb") as f:
        text = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).long()
    with open(os.path.join(d, "valid.bin"), "rb") as f:
        valid = f.read()
    with open(os.path.join(d, "starts.bin"), "rb") as f:
        starts = np.frombuffer(f.read(), dtype="<i4").reshape(nsteps, batch)
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"])
    ctx = c["ctx"]
    offsets = torch.arange(ctx)
    marks = {round(nsteps * (i + 1) / evals) for i in range(evals)}
    start = time.perf_counter()
    running = 0.0
    for s in range(nsteps):
        at = torch.from_numpy(starts[s].astype(np.int64)).unsqueeze(1) + offsets
        x, y = text[at], text[at + 1]
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += loss.item()
        if s + 1 in marks:
            print(json.dumps({"step": s + 1, "train_loss": running / (s + 1), "val_loss": validate(model, valid, ctx),
                              "seconds": time.perf_counter() - start, "torch": torch.__version__,
                              "threads": torch.get_num_threads()}), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "steps":
        steps(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "train":
        import argparse
        ap = argparse.ArgumentParser()
        ap.add_argument("dir")
        ap.add_argument("--threads", type=int, default=0)
        ap.add_argument("--evals", type=int, default=4)
        a = ap.parse_args(sys.argv[2:])
        train(a.dir, a.threads, a.evals)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
