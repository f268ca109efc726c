"""``python -m sknetphys``: the quick-start demo on sklearn's embedded digits dataset.

Trains sknetphys dense and convolutional networks inside sklearn Pipelines and prints test
accuracy and timings beside sklearn's own MLPClassifier on the same split; an autoencoder
gives the digits 32 codes, a classifier learns from those, and one digit is shown with its
reconstruction; last, t-SNE maps of the digits, ours beside sklearn's TSNE (ours as a PNG
when matplotlib is installed).

numba compiles sknetphys' kernels the first time they run, once per installation (they are
cached). The demo does that first, on a few rows, and says how long it took; the timings
that follow are of the work itself, as a second run of the same code would see them.
"""

import argparse

from .compile import cache_location, run_tasks

_DEMO = "sknetphys._demo:"  # the warm-up tasks, as worker processes find them
_NETS = "sknetphys._demo_nets:"  # those that need no scikit-learn


# A first run's kernels, shared out between two processes of about equal work. This one
# compiles the conv layers off the Winograd path first (with the gemm and column sums that
# the worker's layers need too), then imports scikit-learn and compiles the dense networks
# and the rest of t-SNE. The worker, started at this process's first compile, imports no
# scikit-learn (0.5 s of imports instead of 2.7) and compiles pooling, t-SNE's tree, then
# the Winograd layer, whose gemm it then finds cached (Winograd first: 39-40 variants
# compiled instead of 37, a second gemm among them). Fresh cache, two runs: the worker done
# at 15.3 and 17.1 s, this process at 15.3 and 17.5 s from the start (with the worker
# importing the estimators and started after this process's imports: 18.5 s, and 19.5 and
# 21.3 s). The whole networks then run here, loading what the worker compiled.
def _prepare(jobs):
    """Compile or load the demo's kernels; return the line that says which and how long."""
    mine = [_NETS + "warm_up_conv_layers", _DEMO + "warm_up_dense", _DEMO + "warm_up_tsne"]
    theirs = [_NETS + task for task in ("warm_up_pooling", "warm_up_tsne_tree",
                                        "warm_up_winograd")]
    summary = run_tasks([mine, theirs] if jobs > 1 else [mine + theirs], lazy_workers=True,
                        then=[_DEMO + task for task in ("warm_up_networks", "warm_up_tsne",
                                                        "warm_up_sklearn_tsne")])
    # the wall time includes importing scikit-learn and the estimators (2-3 s), which the
    # main share does after its first task, so that the worker starts sooner
    if not summary.compilations:
        return (f"  numba: nothing to compile, loaded from the cache in {summary.wall:.1f} s "
                "(scikit-learn's imports included)")
    processes = (f"{summary.processes} processes, {summary.seconds:.1f} s of compiling, "
                 if summary.processes > 1 else "")
    return (f"  numba: compiled {len(summary.compilations)} kernel variants in "
            f"{summary.wall:.1f} s ({processes}scikit-learn's imports included); later runs "
            "load them from the cache")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sknetphys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=50, help="epochs per network (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png", default="sknetphys_tsne_digits.png",
                        help="where to write the t-SNE map (needs matplotlib)")
    parser.add_argument("--tsne-samples", type=int, default=None,
                        help="digits in the t-SNE maps (default: all 1797)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="processes to compile the kernels in on a first run (default 2)")
    args = parser.parse_args(argv)

    print("numba compiles sknetphys' kernels when they first run, once per installation, and\n"
          f"caches them ({cache_location()}).\n"
          "Preparing the kernels this demo uses: on a first run they compile now, which takes a\n"
          "while (`python -m sknetphys.compile` does it ahead of time) ...", flush=True)
    print(_prepare(args.jobs), flush=True)
    from ._demo import run  # scikit-learn and the estimators, loaded by now

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
