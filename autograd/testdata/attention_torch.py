"""nanoGPT's causal self-attention in PyTorch, for TestAttentionPyTorch.

usage: attention_torch.py CASE.json

CASE holds B, T, heads, qkv ((B*T) x 3C, row-major, the fused projection's
output) and dy ((B*T) x C). Torch 1.13 has no scaled_dot_product_attention,
so this is nanoGPT's manual path, in float64 from the float32 inputs:

    q, k, v = qkv.split(C, dim=2), each viewed (B, heads, T, hs)
    att = (q @ k.transpose(-2, -1)) * (1.0 / sqrt(hs))
    att = att.masked_fill(tril(ones(T, T)) == 0, -inf)
    att = softmax(att, dim=-1)
    y = (att @ v).transpose(1, 2).view(B*T, C)

It backpropagates sum(y * dy) and prints {"Y": y, "DQKV": the gradient of
qkv}, both row-major.
"""
import json
import math
import sys

import torch

with open(sys.argv[1]) as f:
    case = json.load(f)
B, T, nh = case["B"], case["T"], case["heads"]
qkv = torch.tensor(case["qkv"], dtype=torch.float32).double().view(B, T, -1).requires_grad_()
C = qkv.shape[2] // 3
hs = C // nh
q, k, v = qkv.split(C, dim=2)
q = q.view(B, T, nh, hs).transpose(1, 2)
k = k.view(B, T, nh, hs).transpose(1, 2)
v = v.view(B, T, nh, hs).transpose(1, 2)
att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
bias = torch.tril(torch.ones(T, T, dtype=torch.float64)).view(1, 1, T, T)
att = att.masked_fill(bias == 0, float("-inf"))
att = torch.softmax(att, dim=-1)
y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
dy = torch.tensor(case["dy"], dtype=torch.float32).double().view(B, T, C)
(y * dy).sum().backward()
json.dump({"Y": y.reshape(-1).tolist(), "DQKV": qkv.grad.reshape(-1).tolist()}, sys.stdout)
