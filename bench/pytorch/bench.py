#!/usr/bin/env python3
"""PyTorch side of gltrain's benchmark report (go run ./bench).

Times the same matrix products and the same MLP training steps as
bench/cases, with the same method: one untimed warm-up run, a batch size
calibrated so a batch lasts at least --min-sample, then --samples timed
batches, each ending with a device sync (torch.cuda.synchronize() on CUDA),
and reports each sample's mean time per run in nanoseconds.

    python3 bench/pytorch/bench.py --suite quick --threads 2 --json -
    python3 bench/pytorch/bench.py --list      # the cases, without torch

Output (--json): {"meta": {...}, "results": [{"op", "shape", "backend",
"work", "samples_ns", "runs_per_sample", "warmup_ns", "error"?}, ...]},
the shape of the Go report's -json. Backends are "pytorch-cpu" and, when
torch.cuda.is_available(), "pytorch-cuda". Shapes and names must match
bench/cases (kernels.go, trainsteps.go); bench/pytorch_test.go checks them.
"""

import argparse
import ctypes
import gc
import json
import os
import platform
import re
import resource
import sys
import time

# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory():
    """Tunes glibc's malloc so that torch's freed CPU tensors stay in the
    heap for the next step's, as PyTorch's CPU tuning guide gets with
    jemalloc or tcmalloc. Left alone, glibc maps each block over its mmap
    threshold (128 KiB at first, then the largest block freed) afresh and
    hands it back when freed, and trims the heap above twice that: a
    training step then refaults its buffers, and the MNIST CNN's step took
    27 ms instead of 21 on this project's 2-core machine, with 5,000 page
    faults a step. Blocks up to 32 MiB (glibc's most) now come from the
    heap, which keeps up to 1 GiB free. Returns what was set, or why not."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return "default (no glibc mallopt)"
    if mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 or mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1:
        return "default (mallopt refused)"
    return "glibc, mmap threshold 32 MiB, trim threshold 1 GiB"


# Adam as the Go training-step cases use it: PyTorch's defaults, lr 1e-3.
ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)


def matmul_case(label, ta, tb, m, n, k, quick):
    """C (m×n) = op(A)·op(B) with inner dimension k, as kernels.go's matMulCase."""
    shape = "%dx%dx%d" % (m, n, k)
    op = "MatMul"
    if ta or tb:
        op += ("T" if ta else "N") + ("T" if tb else "N")
    if label:
        shape = label + "/" + shape
    work = {"flops": 2.0 * m * n * k, "bytes": 4.0 * (m * k + k * n + m * n), "samples": 0.0}
    return dict(op=op, shape=shape, quick=quick, work=work, kind="matmul", args=(ta, tb, m, n, k))


def train_case(name, sizes, batch, quick):
    """One Adam training step of a ReLU MLP with softmax cross-entropy."""
    macs = sum(a * b for a, b in zip(sizes, sizes[1:]))
    work = {"flops": 6.0 * batch * macs, "bytes": 0.0, "samples": float(batch)}
    shape = "%s-%s/b%d" % (name, "-".join(str(s) for s in sizes), batch)
    return dict(op="TrainStep", shape=shape, quick=quick, work=work, kind="train", args=(sizes, batch))


# The MNIST CNN of the convolution issue: conv 32@3×3, ReLU, max pool 2,
# conv 64@3×3, ReLU, max pool 2, flatten, dense 128, ReLU, dense 10.
def cnn_flops(batch):
    conv = 26 * 26 * 32 * 9 + 11 * 11 * 64 * 288  # multiply-adds per image
    dense = 1600 * 128 + 128 * 10
    return 6.0 * batch * (conv + dense)


def cnn_case(batch, quick, bn=False):
    work = {"flops": cnn_flops(batch), "bytes": 0.0, "samples": float(batch)}
    name = "mnist-cnn-bn" if bn else "mnist-cnn"
    return dict(op="TrainStep", shape="%s/b%d" % (name, batch), quick=quick, work=work, kind="cnn", args=(batch, bn))


# The default GPT of `train -model=gpt`: 4 blocks of 4 heads, 128 wide,
# ctx 128, 256 tokens (nn.DefaultGPTConfig).
GPT = dict(vocab=256, ctx=128, layers=4, heads=4, embd=128)


def gpt_case(batch, quick):
    c, e = GPT, GPT["embd"]
    params = c["vocab"] * e + c["ctx"] * e + c["layers"] * (12 * e * e + 13 * e) + 2 * e
    tokens = batch * c["ctx"]
    per_token = 6.0 * params + 12.0 * c["layers"] * c["ctx"] * e
    work = {"flops": per_token * tokens, "bytes": 0.0, "samples": float(tokens)}
    shape = "gpt-%dx%d-ctx%d/b%d" % (c["layers"], e, c["ctx"], batch)
    return dict(op="TrainStep", shape=shape, quick=quick, work=work, kind="gpt", args=(batch,))


def layernorm_case(m, n, quick):
    work = {"flops": 0.0, "bytes": 4.0 * 5 * m * n, "samples": 0.0}
    return dict(op="LayerNorm", shape="%dx%d/fwd+bwd" % (m, n), quick=quick, work=work, kind="layernorm", args=(m, n))


def all_cases():
    """The cases, in bench/cases order (MatMul, LayerNorm, then TrainSteps)."""
    cs = []
    for s in (64, 128, 256, 512, 1024, 2048, 4096):
        cs.append(matmul_case("", False, False, s, s, s, s in (256, 512)))
    for ta, tb in ((False, True), (True, False), (True, True)):
        cs.append(matmul_case("", ta, tb, 512, 512, 512, False))
    for batch in (64, 128, 1024):
        q, lbl = batch == 128, "mlp-b%d" % batch
        cs += [
            matmul_case(lbl + "-fwd1", False, False, batch, 256, 784, q),  # x·W1
            matmul_case(lbl + "-fwd2", False, False, batch, 10, 256, q),  # a·W2
            matmul_case(lbl + "-dW2", True, False, 256, 10, batch, q),  # aᵀ·dlogits
            matmul_case(lbl + "-da", False, True, batch, 256, 10, q),  # dlogits·W2ᵀ
            matmul_case(lbl + "-dW1", True, False, 784, 256, batch, q),  # xᵀ·dh
        ]
    cs += [
        matmul_case("mlpw-b1024-fwd1", False, False, 1024, 1024, 784, False),  # x·W1
        matmul_case("mlpw-b1024-fwd2", False, False, 1024, 1024, 1024, False),  # a1·W2
        matmul_case("mlpw-b1024-dW2", True, False, 1024, 1024, 1024, False),  # a1ᵀ·dh2
        matmul_case("mlpw-b1024-da1", False, True, 1024, 1024, 1024, False),  # dh2·W2ᵀ
        matmul_case("mlpw-b1024-dW1", True, False, 784, 1024, 1024, False),  # xᵀ·dh1
    ]
    cs += [layernorm_case(4096, 768, True), layernorm_case(128, 768, False)]
    cs += [
        train_case("spiral", (2, 100, 3), 300, True),
        train_case("mnist", (784, 256, 10), 128, True),
        train_case("mlp", (784, 1024, 1024, 10), 1024, False),
        cnn_case(128, True),
        cnn_case(128, True, bn=True),
        gpt_case(16, True),
    ]
    return cs


def select(suite, flt):
    return [c for c in all_cases() if (suite == "full" or c["quick"]) and flt in c["op"] + "/" + c["shape"]]


def setup_matmul(torch, device, ta, tb, m, n, k):
    """Returns a run function computing C = op(A)·op(B) into a preallocated C."""
    g = torch.Generator(device="cpu").manual_seed(1)
    a = torch.randn((k, m) if ta else (m, k), generator=g).to(device)
    b = torch.randn((n, k) if tb else (k, n), generator=g).to(device)
    c = torch.empty((m, n), device=device)
    opa, opb = (a.t() if ta else a), (b.t() if tb else b)  # views: BLAS gets the transpose flag
    return lambda: torch.mm(opa, opb, out=c)


def setup_train(torch, device, sizes, batch):
    """Returns a run function doing one training step on a resident batch:
    Linear+ReLU layers (none after the last), softmax cross-entropy, Adam."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(1)
    layers = []
    for i, (fi, fo) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(fi, fo))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device)
    opt = torch.optim.Adam(model.parameters(), **ADAM)
    x = torch.randn(batch, sizes[0]).to(device)
    y = (torch.arange(batch) % sizes[-1]).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def setup_cnn(torch, device, batch, bn=False):
    """One Adam training step of the MNIST CNN on a resident batch of
    1×28×28 N(0,1) images; bn: a BatchNorm2d after each convolution, in
    training mode."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(1)
    norm = (lambda c: [nn.BatchNorm2d(c)]) if bn else (lambda c: [])
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), *norm(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), *norm(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), **ADAM)
    x = torch.randn(batch, 1, 28, 28).to(device)
    y = (torch.arange(batch) % 10).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def setup_gpt(torch, device, batch):
    """One AdamW step (lr 1e-3, weight decay 0.1 on the blocks' matrices) of
    nanoGPT's model (bench/pytorch/nanogpt.py) at the GPT config, on a
    resident batch of random bytes, targets the next byte."""
    from nanogpt import GPT as Model  # bench/pytorch/nanogpt.py: beside this file, or on PYTHONPATH when fed on stdin
    F = torch.nn.functional
    torch.manual_seed(1)
    model = Model(GPT).to(device)
    decay = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    named = list(model.named_parameters())
    groups = [{"params": [p for n, p in named if n.endswith(decay)], "weight_decay": 0.1},
              {"params": [p for n, p in named if not n.endswith(decay)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, **ADAM)
    tokens = batch * GPT["ctx"]
    ids = torch.randint(0, GPT["vocab"], (tokens,))
    x, y = ids.view(batch, -1).to(device), ids.roll(-1).view(batch, -1).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        opt.step()

    return step


def setup_layernorm(torch, device, m, n):
    """LayerNorm over rows of n, forward then backward (dx, dw, db) from a
    fixed dy, as torch.nn.LayerNorm(n) trains it: eps 1e-5, affine."""
    g = torch.Generator(device="cpu").manual_seed(1)
    x = torch.randn(m, n, generator=g).to(device).requires_grad_()
    w = torch.randn(n, generator=g).to(device).requires_grad_()
    b = torch.randn(n, generator=g).to(device).requires_grad_()
    dy = torch.randn(m, n, generator=g).to(device)
    F = torch.nn.functional

    def run():
        x.grad = w.grad = b.grad = None
        F.layer_norm(x, (n,), w, b, 1e-5).backward(dy)

    return run


def measure(run, sync, samples, min_sample_ns):
    """bench/cases.Measure's method: warm-up, calibration, timed batches."""

    def batch(n):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            run()
        sync()
        return time.perf_counter_ns() - t0

    warm = batch(1)
    n = 1
    while True:
        d = batch(n)
        if d >= min_sample_ns / 2 or n >= 1 << 24:
            n = max(1, int(n * min_sample_ns / max(d, 1000)))
            break
        n *= 2
    gc.collect()
    return warm, n, [batch(n) / n for _ in range(samples)]


def cpu_clock():
    """The machine's busy time and this process's CPU time (all threads,
    OpenMP's included), in seconds, with the wall time; None off Linux.
    As bench/quiet.go's readCPU: /proc/stat's user..steal, less idle and
    iowait, in USER_HZ (100) ticks."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.monotonic(), (sum(v) - v[3] - v[4]) / 100.0, ru.ru_utime + ru.ru_stime


def others_cores(a, b):
    """The CPU, in cores, that the rest of the machine used from a to b."""
    if a is None or b is None or b[0] <= a[0]:
        return 0.0
    return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / (b[0] - a[0]))


def wait_quiet(limit, wait):
    """bench/quiet.go's waitQuiet: 200 ms windows until the rest of the
    machine used at most limit cores in one, or wait seconds passed."""
    start = time.monotonic()
    a = cpu_clock()
    if a is None or wait <= 0:
        return 0.0
    while True:
        time.sleep(0.2)
        b = cpu_clock()
        if others_cores(a, b) <= limit or time.monotonic() - start >= wait:
            return time.monotonic() - start
        a = b


def measure_quietly(q, measure_once):
    """bench/quiet.go's measureQuietly: wait for quiet, measure, and measure
    again (up to q.quiet_tries times) while the rest of the machine used more
    than q.quiet cores; keeps the quietest try. Returns it, that use, and the
    seconds waited."""
    best, others, waited = None, -1.0, 0.0
    for _ in range(max(1, q.quiet_tries)):
        waited += wait_quiet(q.quiet, q.quiet_wait)
        a = cpu_clock()
        r = measure_once()
        o = others_cores(a, cpu_clock())
        if others < 0 or o < others:
            best, others = r, o
        if others <= q.quiet or q.quiet_wait <= 0:
            break
    return best, others, waited


def blas_info(torch):
    """Which BLAS torch uses: the libraries mapped into this process (after a
    product has run), their real paths, and OpenBLAS's own report."""
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if re.search(r"blas|mkl|blis|atlas|accelerate", base, re.I) and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    info = {"blas_libs": [p if os.path.realpath(p) == p else "%s -> %s" % (p, os.path.realpath(p)) for p in libs]}
    cfg = torch.__config__.show()
    m = re.search(r"BLAS_INFO=(\w+)", cfg)
    build = m.group(1) if m else "unknown"
    real = " ".join(os.path.realpath(p) for p in libs)
    if "openblas" in real:
        variant = re.search(r"(openblas[-\w]*)/", real)
        name = "OpenBLAS" + (" (%s)" % variant.group(1) if variant else "")
        for p in libs:
            try:
                lib = ctypes.CDLL(p)
                lib.openblas_get_config.restype = ctypes.c_char_p
                info["blas_config"] = lib.openblas_get_config().decode()
                info["blas_threads"] = lib.openblas_get_num_threads()
                break
            except (OSError, AttributeError):
                continue
    elif "mkl" in real:
        name = "MKL"
    elif re.search(r"/blas/libblas", real):
        name = "reference BLAS (netlib, unoptimised)"
    elif libs:
        name = os.path.basename(os.path.realpath(libs[0]))
    else:
        name = "linked into libtorch"
    info["blas"] = "%s; torch built with BLAS_INFO=%s" % (name, build)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", choices=("quick", "full"), default="quick")
    ap.add_argument("--filter", default="", help="only cases whose Op/Shape contains this")
    ap.add_argument("--samples", type=int, default=0, help="0: 6 for quick, 10 for full")
    ap.add_argument("--min-sample", type=float, default=0, help="seconds; 0: 0.1 for quick, 0.3 for full")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads")
    ap.add_argument("--json", default="", help="write JSON here ('-' for stdout)")
    ap.add_argument("--list", action="store_true", help="print the cases as JSON and exit (no torch needed)")
    ap.add_argument("--no-cuda", action="store_true", help="skip CUDA even when available")
    ap.add_argument("--quiet", type=float, default=0.25, help="cores the rest of the machine may use during a case")
    ap.add_argument("--quiet-wait", type=float, default=2.0, help="seconds to wait for quiet before each try (0: no wait, one try)")
    ap.add_argument("--quiet-tries", type=int, default=3, help="tries of a case while the machine was not quiet")
    ap.add_argument("--default-malloc", action="store_true", help="leave glibc's malloc untuned (see keep_freed_memory)")
    a = ap.parse_args()
    if a.list:
        json.dump([{k: c[k] for k in ("op", "shape", "quick", "work")} for c in all_cases()], sys.stdout, indent=1)
        print()
        return 0
    samples = a.samples or (6 if a.suite == "quick" else 10)
    min_ns = int((a.min_sample or (0.1 if a.suite == "quick" else 0.3)) * 1e9)

    malloc = "default (--default-malloc)" if a.default_malloc else keep_freed_memory()
    # The BLAS reads its thread count when torch loads it; set_num_threads
    # then sets torch's own (OpenMP) pools, which OpenMP OpenBLAS follows.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    import torch

    torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    devices = ["cpu"]
    if torch.cuda.is_available() and not a.no_cuda:
        devices.append("cuda")
    meta = {
        "python": sys.executable or "python3",
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "tf32": False,
        "malloc": malloc,
        "optimizer": "Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8), zero_grad(set_to_none=True)",
    }
    if "cuda" in devices:
        meta["cuda_device"] = torch.cuda.get_device_name(0)
        meta["cuda_version"] = torch.version.cuda
    results = []
    cs = select(a.suite, a.filter)
    for i, c in enumerate(cs):
        for dev in devices:
            r = {"op": c["op"], "shape": c["shape"], "backend": "pytorch-" + dev, "work": c["work"]}
            sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
            try:
                setup = {"matmul": setup_matmul, "train": setup_train, "cnn": setup_cnn, "layernorm": setup_layernorm, "gpt": setup_gpt}[c["kind"]]
                run = setup(torch, dev, *c["args"])
                (warm, n, s), others, waited = measure_quietly(a, lambda: measure(run, sync, samples, min_ns))
                r.update(samples_ns=s, runs_per_sample=n, warmup_ns=warm, other_cores=others,
                         quiet_wait_ns=int(waited * 1e9))
                s = sorted(s)
                print("[%d/%d] %s/%s on %s: %.4g ms" % (i + 1, len(cs), c["op"], c["shape"], r["backend"],
                                                      s[len(s) // 2] / 1e6), file=sys.stderr)
            except Exception as e:  # a failed case is a row, not the end of the run
                r.update(samples_ns=[], runs_per_sample=0, error="%s: %s" % (type(e).__name__, e))
                print("[%d/%d] %s/%s on %s: %s" % (i + 1, len(cs), c["op"], c["shape"], r["backend"], r["error"]),
                      file=sys.stderr)
            results.append(r)
    meta.update(blas_info(torch))  # after the products ran, so the BLAS is mapped
    out = {"meta": meta, "results": results}
    if a.json == "-":
        json.dump(out, sys.stdout)
        print()
    elif a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    else:
        print(json.dumps(meta, indent=1))
        for r in results:
            med = sorted(r["samples_ns"])[len(r["samples_ns"]) // 2] if r["samples_ns"] else float("nan")
            print("%-12s %-32s %-13s %12.4g ms" % (r["op"], r["shape"], r["backend"], med / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
