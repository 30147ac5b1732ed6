"""PyTorch's counterpart of every row of gltrain's activation table
(backend/activations.go), keyed by the row's name: a function of the row's
parameters, in the row's order, with the row's defaults (gltrain's, which
are not always PyTorch's: LeakyReLU's slope is 0.1), that returns the
torch.nn module.

activation_golden.py makes the golden file with it (passing every
parameter by name), and nn/testdata/torch_load.py builds checkpoints'
activation layers with it (the first parameter is stored as "alpha", the
others under "params" by name). A row missing here fails
activation_golden.py. The primitives' rows (exp, …, clamp) wrap the torch
function in Fn; their required parameters have no defaults.
"""
import torch


class Fn(torch.nn.Module):
    """A module whose forward is fn(x): a torch function as a layer."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


ACTIVATIONS = {
    "identity": lambda: torch.nn.Identity(),
    "relu": lambda: torch.nn.ReLU(),
    "leakyrelu": lambda slope=0.1: torch.nn.LeakyReLU(slope),
    "elu": lambda alpha=1.0: torch.nn.ELU(alpha),
    "gelu": lambda: torch.nn.GELU(),
    "gelu-tanh": lambda: torch.nn.GELU(approximate="tanh"),
    "sigmoid": lambda: torch.nn.Sigmoid(),
    "tanh": lambda: torch.nn.Tanh(),
    "silu": lambda: torch.nn.SiLU(),
    "softplus": lambda beta=1.0, threshold=20.0: torch.nn.Softplus(beta=beta, threshold=threshold),
    "mish": lambda: torch.nn.Mish(),
    "hardswish": lambda: torch.nn.Hardswish(),
    "hardsigmoid": lambda: torch.nn.Hardsigmoid(),
    "selu": lambda: torch.nn.SELU(),
    "logsigmoid": lambda: torch.nn.LogSigmoid(),
    "exp": lambda: Fn(torch.exp),
    "log": lambda: Fn(torch.log),
    "sqrt": lambda: Fn(torch.sqrt),
    "rsqrt": lambda: Fn(torch.rsqrt),
    "reciprocal": lambda: Fn(torch.reciprocal),
    "abs": lambda: Fn(torch.abs),
    "square": lambda: Fn(torch.square),
    "pow": lambda exponent: Fn(lambda x: torch.pow(x, exponent)),
    "clamp": lambda lo, hi: Fn(lambda x: torch.clamp(x, lo, hi)),
}
