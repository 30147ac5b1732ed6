#!/usr/bin/env python3
"""`train -eval` on text, in PyTorch, for cmd/train's TestTextEvalMatchesPyTorch:
nanoGPT's model (torch_gpt.py's GPT) loads a gltrain checkpoint with
load_state_dict(strict=True) and prints, in float64, the mean cross-entropy
of the next byte over the non-overlapping windows of ctx bytes from the
start of a text file (targets shifted by one, the last partial window
dropped), as one number.

    torch_gpt_eval.py CHECKPOINT.safetensors TEXT

The checkpoint's model tensors are its nanoGPT-named ones (transformer.*
and lm_head.weight); its optimizer.* state is left out. The config is the
"gpt" object of its "model" metadata.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import GPT, read  # noqa: E402


def main():
    ckpt, text = sys.argv[1:3]
    tensors, meta = read(ckpt)
    c = json.loads(meta["model"])["gpt"]
    state = {k: v.double() for k, v in tensors.items() if k.startswith("transformer.") or k == "lm_head.weight"}
    model = GPT(c).double()
    model.load_state_dict(state, strict=True)
    model.eval()
    with open(text, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8).astype(np.int64)
    T = c["ctx"]
    w = (len(data) - 1) // T
    x = torch.from_numpy(data[:w * T].reshape(w, T))
    y = torch.from_numpy(data[1:w * T + 1].reshape(w, T))
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
    print(repr(loss.item()))


if __name__ == "__main__":
    main()
