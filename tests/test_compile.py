"""``python -m sknetphys.compile``: numba's compile events, tasks on several processes, and a
cache that a new process loads from instead of compiling."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from numba import njit

from sknetphys.compile import TASKS, CompileLog, kernels, run_tasks

ROOT = Path(__file__).resolve().parents[1]


def _python(args, cache=None):
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_compile_log_gives_each_kernel_its_own_time():
    @njit
    def inner(x):
        return x + 1

    @njit
    def outer(x):
        return inner(x) * 2

    with CompileLog() as log:
        outer(1.0)
    assert [c.kernel.rpartition(".")[2] for c in log.compilations] == ["inner", "outer"]
    first, second = log.compilations
    assert second.signature == "(float64,)"
    # outer's compile event contains inner's; its own time does not, and the total counts
    # the nesting once
    assert second.total == pytest.approx(first.total + second.seconds)
    assert 0 < first.cpu <= first.total + 0.01
    assert log.seconds == pytest.approx(second.total)
    with CompileLog() as log:
        outer(2.0)  # compiled already
    assert log.compilations == []


_ONE, _TWO, _NOTHING = (f"tests._compile_tasks:{f}" for f in ("compile_one", "compile_two",
                                                                "nothing"))


def test_workers_start_on_the_first_cache_miss_only():
    summary = run_tasks([[_ONE], [_TWO]], lazy_workers=True, then=[_ONE, _TWO])
    # compile_one here, compile_two in a worker and then here again; `then` skips
    # compile_one, which ran here already (each run of it would compile anew)
    assert summary.processes == 2 and len(summary.compilations) == 3
    assert summary.seconds == pytest.approx(sum(c.seconds for c in summary.compilations))
    # nothing to compile here: no worker; its share runs here, and `then` skips what ran
    warm = run_tasks([[_NOTHING], [_ONE]], lazy_workers=True, then=[_ONE, _TWO])
    assert warm.processes == 1 and len(warm.compilations) == 2


def test_a_failing_worker_is_an_error():
    with pytest.raises(RuntimeError, match="_compile_tasks:fails"):
        run_tasks([[_NOTHING], ["tests._compile_tasks:fails"]])


# A new process on the filled cache: the same fit, watched by compile events.
_CHECK = """
import json
from sknetphys._core.kernels.optim import adam_step
from sknetphys.compile import CompileLog
from tests._compile_tasks import dense_float64_fit
with CompileLog() as log:
    dense_float64_fit()
print(json.dumps({"compiled": [c.kernel for c in log.compilations],
                  "adam_step_loaded": sum(adam_step.stats.cache_hits.values())}))
"""


def test_cli_fills_the_cache_that_new_processes_load(tmp_path):
    # a small workload of one's own (module:function), not all tasks: compiling every
    # kernel takes minutes on a 2-core machine (test_the_tasks_cover_every_kernel runs them
    # on the filled cache)
    task = "tests._compile_tasks:dense_float64_fit"
    out = _python(["-m", "sknetphys.compile", task], cache=tmp_path)
    assert "adam_step(array(float64, 1d, C)" in out  # a line per kernel
    assert int(re.search(r"^(\d+) kernel variants compiled", out, re.M).group(1)) >= 6
    check = json.loads(_python(["-c", _CHECK], cache=tmp_path).splitlines()[-1])
    assert check == {"compiled": [], "adam_step_loaded": 1}
    again = _python(["-m", "sknetphys.compile", "-q", task], cache=tmp_path)
    assert re.search(r"^0 kernel variants compiled", again, re.M)


def test_the_tasks_cover_every_kernel():
    # all tasks, on this installation's cache (filled by the other tests: mostly loads)
    out = _python(["-m", "sknetphys.compile", "--jobs", "2", "--quiet"])
    assert "Every kernel of sknetphys is in the cache" in out, out
    assert len(kernels()) >= 60 and set(TASKS) >= {"dense-float32", "conv-float32", "tsne"}
