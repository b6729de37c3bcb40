"""Silhouette (cosine) speed: neuralrank's O(n·K·D) exact method against scikit-learn, in the same run.

    python benchmarks/silhouette.py [--sizes 2000 10000 100000 1000000] [--sklearn-max 100000]

D = 10 features, K = 5 classes, standard normal data shifted per class. scikit-learn's
`silhouette_score(metric="cosine")` runs for n up to --sklearn-max (its pairwise work grows as n^2).
"""
import argparse, os, platform, time
import numpy as np
import torch
from sklearn.metrics import silhouette_score
from neuralrank.silhouette import silhouette


def timed(f, repeat=3):
    best, out = float('inf'), None
    for _ in range(repeat):
        t0 = time.perf_counter(); out = f(); best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', type=int, nargs='+', default=[2_000, 10_000, 100_000, 1_000_000])
    ap.add_argument('--sklearn-max', type=int, default=100_000)
    ap.add_argument('--dim', type=int, default=10)
    ap.add_argument('--classes', type=int, default=5)
    a = ap.parse_args()
    print(f"# silhouette, cosine, D={a.dim}, K={a.classes}; {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"| n | neuralrank (s) | scikit-learn (s) | speed-up | abs. difference |\n|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for n in a.sizes:
        y = rng.integers(0, a.classes, n)
        x = rng.standard_normal((n, a.dim)) + y[:, None]*0.3
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        t_ours, ours = timed(lambda: silhouette(xt, yt))
        if n <= a.sklearn_max:
            t_sk, theirs = timed(lambda: silhouette_score(x, y, metric='cosine'), repeat=1 if n > 20_000 else 3)
            print(f"| {n:,} | {t_ours:.4f} | {t_sk:.3f} | {t_sk/t_ours:,.0f}x | {abs(ours-theirs):.1e} |", flush=True)
        else:
            print(f"| {n:,} | {t_ours:.4f} | not run | | |", flush=True)


if __name__ == '__main__': main()
