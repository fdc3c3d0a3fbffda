#!/usr/bin/env python3
"""Times one training step of our transformer regressors in PyTorch on the CPU.

The model bench (core/bench/model.ts) runs this when a python3 with torch is
present, to print PyTorch's figures beside ours for the same network, batch,
loss (MSE) and optimizer (Adam). It is optional and never part of the tests.

Input: one JSON object on the command line (the network spec as in
core/model/spec.ts, plus batch, steps and threads). Output: one JSON line per
thread count, {"threads": n, "medianMs": ..., "stepsMs": [...], "cpuPerWall":
...} or, when torch is missing, {"error": "..."} and exit status 3.

Threads: torch.set_num_threads sets torch's own pool, but Debian's torch
(BLAS_INFO=generic) does not pass it on to OpenBLAS, whose GEMMs then use
every core: a "1 thread" step measured 2.0 CPU-seconds per second on 2 cores.
So the OpenBLAS torch loaded is told the same count (openblas_set_num_threads
through ctypes), and cpuPerWall (process CPU time over wall time) shows how
many cores a step really kept busy.

The network mirrors core/model/networks.ts: a linear token embedding over
patches of `patchLen` snapshots, an optional learned position embedding,
post-norm encoder layers (PyTorch's TransformerEncoderLayer defaults, ReLU),
and a flatten or mean head into one output.
"""
import ctypes
import json
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as err:  # the bench says so and goes on
    print(json.dumps({"error": f"torch is not importable: {err}"}))
    sys.exit(3)


class Regressor(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.tokens = spec["seqLen"] // spec["patchLen"]
        self.token_width = spec["patchLen"] * spec["inFeatures"]
        d = spec["dModel"]
        self.embedding = nn.Linear(self.token_width, d)
        self.position = nn.Parameter(torch.randn(self.tokens, d) * 0.02) if spec["positional"] else None
        layer = nn.TransformerEncoderLayer(
            d, spec["heads"], dim_feedforward=spec["ffDim"], dropout=spec["dropout"], batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, spec["layers"], enable_nested_tensor=False)
        self.flatten = spec["head"] == "flatten"
        self.decoder = nn.Linear(self.tokens * d if self.flatten else d, 1)

    def forward(self, x):
        batch = x.shape[0]
        h = self.embedding(x.reshape(batch, self.tokens, self.token_width))
        if self.position is not None:
            h = h + self.position
        h = self.encoder(h)
        pooled = h.reshape(batch, -1) if self.flatten else h.mean(1)
        return self.decoder(pooled).reshape(batch)


def pin_blas_threads(threads):
    """Tells every OpenBLAS this process loaded (torch's BLAS) to use `threads`; returns their paths."""
    pinned = []
    with open("/proc/self/maps", encoding="utf8") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    for path in sorted(paths):
        try:
            ctypes.CDLL(path).openblas_set_num_threads(threads)
            pinned.append(path)
        except (OSError, AttributeError):
            pass
    return pinned


def time_steps(spec, batch, steps, warmup, threads, seed):
    torch.set_num_threads(threads)
    pin_blas_threads(threads)
    torch.manual_seed(seed)
    model = Regressor(spec)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.MSELoss()
    x = torch.randn(batch, spec["seqLen"], spec["inFeatures"])
    y = torch.randn(batch)
    times = []
    cpu = 0.0
    for i in range(warmup + steps):
        started = time.perf_counter()
        cpu_started = time.process_time()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - started) * 1000)
            cpu += (time.process_time() - cpu_started) * 1000
    return times, cpu / sum(times)


def main():
    if len(sys.argv) != 2:
        print(json.dumps({"error": "usage: torch_compare.py '<json request>'"}))
        sys.exit(2)
    request = json.loads(sys.argv[1])
    spec = request["spec"]
    if spec.get("type") != "transformer":
        print(json.dumps({"error": f"only transformer specs are mirrored, not {spec.get('type')}"}))
        sys.exit(2)
    for threads in request.get("threads", [1]):
        times, cpu_per_wall = time_steps(spec, request.get("batch", 64), request.get("steps", 5), request.get("warmup", 1), threads, request.get("seed", 0))
        print(json.dumps({"threads": threads, "torch": torch.__version__, "medianMs": statistics.median(times), "stepsMs": times, "cpuPerWall": cpu_per_wall}), flush=True)


if __name__ == "__main__":
    main()
