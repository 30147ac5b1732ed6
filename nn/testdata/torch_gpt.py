#!/usr/bin/env python3
"""nanoGPT's model in PyTorch, for TestPyTorchGPT: the same GPT as nn.GPT,
loaded from gltrain's weights with load_state_dict(strict=True), its
logits, loss and every parameter's gradient computed in float64.

    torch_gpt.py IN.safetensors OUT.safetensors

IN holds the model's tensors under nanoGPT's names (lm_head.weight among
them, the tied copy of transformer.wte.weight), the batch's "ids" and
"targets" (B×T, token ids as floats) and the config in its "gpt" metadata
(JSON: vocab, ctx, layers, heads, embd). OUT gets "logits" (B·T×vocab),
"loss" (the mean cross-entropy) and "grad.NAME" for every parameter.

The model is nanoGPT's model.py (Karpathy, MIT) as of its manual attention
path (torch 1.13 has no scaled_dot_product_attention), with dropout 0 and
bias=True: pre-LayerNorm blocks, attention with a causal mask, an MLP of
4× width with the exact GELU, a final LayerNorm and the head tied to wte.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "pytorch"))
from nanogpt import GPT  # noqa: E402
from gpt import read  # noqa: E402  (bench/pytorch/gpt.py: a safetensors file's F32 tensors and metadata)


def write(path, tensors):
    header, body, off = {}, b"", 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        body += data
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + body)


def main():
    src, dst = sys.argv[1:3]
    t, meta = read(src)
    c = json.loads(meta["gpt"])
    ids, targets = t.pop("ids").long(), t.pop("targets").long()
    model = GPT(c).double()
    model.load_state_dict({k: v.double() for k, v in t.items()}, strict=True)
    logits = model(ids)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
    loss.backward()
    out = {"logits": logits.view(-1, logits.size(-1)), "loss": loss.reshape(1)}
    for name, p in model.named_parameters():  # the tied weight once, as transformer.wte.weight
        out["grad." + name] = p.grad
    write(dst, out)


if __name__ == "__main__":
    main()
