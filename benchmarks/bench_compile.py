"""The first run of ``python -m sknetphys``: compile time, per kernel, and the cold and warm jobs.

Each run starts a fresh process with an empty numba cache (a temporary ``NUMBA_CACHE_DIR``),
as on a fresh installation:

- **cold**: ``python -m sknetphys`` as a user runs it (kernels compiled in 2 processes),
  wall time from start to exit;
- **warm**: the same command again on the now filled cache;
- **table**: the cold job once more, compiling in this one process (``--jobs 1``) under a
  :class:`sknetphys.compile.CompileLog`, for the time each kernel takes to compile (its own
  compilation; the kernels it calls have rows of their own).

Cold and warm runs alternate ``--runs`` times. Compile times depend on the machine's load
(measure on a quiet one; on a shared machine compare versions in alternating runs).

Run:  python benchmarks/bench_compile.py [--runs 2] [--epochs 50] [--no-table]
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from _common import machine  # noqa: E402

# The table run: the demo in this process, every compilation recorded.
_TABLE = """
import json, sys
from sknetphys.compile import CompileLog
from sknetphys.__main__ import main
with CompileLog() as log:
    main(sys.argv[2:])
json.dump([c.__dict__ for c in log.compilations], open(sys.argv[1], "w"))
"""


def _run(cmd, cache, quiet=True):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), check=True, text=True,
                         stdout=subprocess.PIPE).stdout
    elapsed = time.perf_counter() - start
    if not quiet:
        print(out)
    line = next((x.strip() for x in out.splitlines() if x.strip().startswith("numba:")), "")
    return elapsed, line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--no-table", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the demo's output")
    args = parser.parse_args()
    print(machine())
    png = os.path.join(tempfile.gettempdir(), "bench_compile_tsne.png")
    demo = [sys.executable, "-m", "sknetphys", "--epochs", str(args.epochs), "--png", png]
    for r in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            cold, line = _run(demo, cache, quiet=not args.show)
            warm, _ = _run(demo, cache)
        print(f"run {r + 1}: cold {cold:5.1f} s, warm {warm:5.1f} s   [{line}]", flush=True)
    if args.no_table:
        return
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        report = os.path.join(cache, "report.json")
        wall, _ = _run([sys.executable, "-c", _TABLE, report, *demo[3:], "--jobs", "1"], cache)
        with open(report) as f:
            rows = json.load(f)
    per = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for c in rows:
        module, _, name = c["kernel"].rpartition(".")
        key = f"{module.rpartition('.')[2]}.{name}"
        per[key][0] += 1
        per[key][1] += c["seconds"]
        per[key][2] += c["cpu"]
    total, cpu = (sum(v[i] for v in per.values()) for i in (1, 2))
    print(f"\ncold job on one process: {wall:.1f} s, of which compiling {total:.1f} s "
          f"(CPU {cpu:.1f} s; {len(rows)} kernel variants)\n")
    print("| kernel | variants | compile (s) | CPU (s) |\n|---|---|---|---|")
    for key, (n, s, c) in sorted(per.items(), key=lambda kv: -kv[1][2]):
        print(f"| `{key}` | {n} | {s:.2f} | {c:.2f} |")


if __name__ == "__main__":
    main()
