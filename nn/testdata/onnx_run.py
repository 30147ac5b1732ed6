"""Checks ONNX files exported by gltrain and runs them (nn's TestONNXPython).

    python3 onnx_run.py JOBS.json

JOBS.json is a list of {"model": PATH, "rows": N, "input": [N*K floats]}.
Each model must pass onnx.checker.check_model(PATH, full_check=True), the
checker with shape inference, of Debian's python3-onnx. It is then run on
its input by the small interpreter below, whose operators are torch's
(torch 1.13 cannot import ONNX, and onnx 1.12 has no ReferenceEvaluator):
each node's attributes are mapped onto the torch function of the same
definition in the ONNX operator specification, and an operator it does not
know is an error. It prints one JSON list: per job, the opset and each graph
output by name as a flat list.
"""
import json
import sys

import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

DTYPES = {onnx.TensorProto.FLOAT: torch.float32, onnx.TensorProto.DOUBLE: torch.float64,
          onnx.TensorProto.INT64: torch.int64}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pads2d(a):
    p = list(a.get("pads", [0, 0, 0, 0]))
    assert p[0] == p[2] and p[1] == p[3], f"asymmetric pads {p}"
    return (p[0], p[1])


def run_node(op, x, a):
    if op in ("Add", "Sub", "Mul", "Div", "Pow", "Greater"):
        return {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div,
                "Pow": torch.pow, "Greater": torch.gt}[op](x[0], x[1])
    unary = {"Relu": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Erf": torch.erf,
             "Exp": torch.exp, "Log": torch.log, "Sqrt": torch.sqrt, "Reciprocal": torch.reciprocal,
             "Abs": torch.abs, "Neg": torch.neg, "Identity": lambda t: t,
             "Softplus": lambda t: torch.log1p(torch.exp(-t.abs())) + t.clamp(min=0)}  # ln(exp(x)+1), stably
    if op in unary:
        return unary[op](x[0])
    if op == "Cast":
        return x[0].to(DTYPES[a["to"]])
    if op == "Reshape":
        shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(x[1].tolist())]
        return x[0].reshape(shape)
    if op == "Gemm":
        A = x[0].T if a.get("transA", 0) else x[0]
        B = x[1].T if a.get("transB", 0) else x[1]
        return a.get("alpha", 1.0) * (A @ B) + a.get("beta", 1.0) * x[2]
    if op == "Conv":
        assert a.get("group", 1) == 1 and set(a.get("dilations", [1, 1])) == {1}
        return F.conv2d(x[0], x[1], x[2], stride=tuple(a.get("strides", [1, 1])), padding=pads2d(a))
    if op in ("MaxPool", "AveragePool"):
        assert not a.get("ceil_mode", 0)
        k, s = tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1]))
        f = F.max_pool2d if op == "MaxPool" else F.avg_pool2d
        return f(x[0], k, s, pads2d(a))
    if op == "GlobalAveragePool":
        return x[0].mean(dim=(2, 3), keepdim=True)
    if op == "BatchNormalization":
        return F.batch_norm(x[0], x[3], x[4], x[1], x[2], training=False, eps=a.get("epsilon", 1e-5))
    if op == "LayerNormalization":
        axis = a.get("axis", -1) % x[0].dim()
        return F.layer_norm(x[0], x[0].shape[axis:], x[1], x[2], eps=a.get("epsilon", 1e-5))
    if op == "Softmax":
        return torch.softmax(x[0], dim=a.get("axis", -1))
    if op == "Concat":
        return torch.cat(x, dim=a["axis"])
    if op == "Gather":
        return torch.index_select(x[0], a.get("axis", 0), x[1])
    if op == "LeakyRelu":
        return F.leaky_relu(x[0], a.get("alpha", 0.01))
    if op == "Elu":
        alpha = a.get("alpha", 1.0)
        return torch.where(x[0] > 0, x[0], alpha * torch.expm1(x[0]))
    if op == "Selu":
        alpha, gamma = a.get("alpha", 1.67326319217681884765625), a.get("gamma", 1.05070102214813232421875)
        return gamma * torch.where(x[0] > 0, x[0], alpha * torch.expm1(x[0]))
    if op == "HardSigmoid":
        return torch.clamp(a.get("alpha", 0.2) * x[0] + a.get("beta", 0.5), 0, 1)
    if op == "Clip":
        return torch.clamp(x[0], x[1], x[2])
    if op == "Where":
        return torch.where(x[0], x[1], x[2])
    raise SystemExit(f"onnx_run.py: operator {op} is not in this interpreter")


def run(path, rows, values):
    onnx.checker.check_model(path, full_check=True)
    model = onnx.load(path)
    env = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    inp = model.graph.input[0]
    width = inp.type.tensor_type.shape.dim[1].dim_value
    env[inp.name] = torch.tensor(values, dtype=torch.float32).reshape(rows, width)
    for node in model.graph.node:
        env[node.output[0]] = run_node(node.op_type, [env[i] for i in node.input], attrs(node))
    outs = {o.name: env[o.name].to(torch.float32).flatten().tolist() for o in model.graph.output}
    return {"opset": model.opset_import[0].version, "outputs": outs}


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    with torch.no_grad():
        print(json.dumps([run(j["model"], j["rows"], j["input"]) for j in jobs]))


if __name__ == "__main__":
    main()
