"""Exact Shapley values of LeNet-5 10-20-100-25 layers: the fast path against per-coalition evaluation, same run, same images.

    python benchmarks/shapley.py [--n 10000] [--sample 32] [--conv2-n 500] [--fc2-n 200] [--device auto]

Trains (or loads from the shared zoo) a LeNet-5 on 8,000 MNIST images for 3 epochs, then on the first `--n` MNIST test
images: exact conv1 Shapley values (2^10 coalitions) on the fast path, and `--sample` coalitions of conv1 on the plain
per-coalition path (one masked forward pass of the whole network per coalition), timed and extrapolated to all 1,024;
the sampled coalitions' values must equal the fast path's. Then exact conv2 (2^20 coalitions) and fc2 (2^25) on their
own image counts, with wall times and evaluations per second.
"""
import argparse, os, time
import numpy as np
import torch
from neuralrank.data import load_split, user_cache_dir
from neuralrank.zoo import ModelZoo, ModelSpec
from neuralrank.units import coalition_values
from neuralrank.shapley import shapley_values, cut_at, all_coalition_counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=10000); ap.add_argument('--sample', type=int, default=32)
    ap.add_argument('--conv2-n', type=int, default=500); ap.add_argument('--fc2-n', type=int, default=200)
    ap.add_argument('--device', default='auto'); ap.add_argument('--skip-large', action='store_true')
    a = ap.parse_args()
    zoo = ModelZoo(user_cache_dir()/'zoo', device=a.device, eval_limit=2000, progress=False)
    net = zoo.get(ModelSpec('mnist', arch='lenet5', train_size=8000, epochs=3))
    x, y = load_split('mnist', train=False, limit=a.n)
    print(f"# exact Shapley, LeNet-5 10-20-100-25 on MNIST; device {zoo.device}, {os.cpu_count()} cpus, torch {torch.__version__}")
    t0 = time.time(); fast = shapley_values(net, 'conv1', x, y); t_fast = time.time() - t0
    idx = np.random.default_rng(0).choice(2**10, a.sample, replace=False)
    t0 = time.time(); ref = coalition_values(net, 'conv1', x, y, (idx[:, None] >> np.arange(10)) & 1); t_ref = (time.time() - t0)/a.sample*2**10
    counts = all_coalition_counts(cut_at(net, 'conv1'), x.to(zoo.device), y.to(zoo.device), 10).cpu().numpy()
    assert np.array_equal(counts[idx]/len(y), ref), 'the fast path disagrees with the per-coalition path'
    print(f"| conv1, 2^10 coalitions, n={len(y):,} | fast {t_fast:.1f} s | per-coalition {t_ref:.0f} s (from {a.sample} coalitions) | {t_ref/t_fast:.0f}x |")
    if a.skip_large: return
    for layer, N, n in (('conv2', 20, a.conv2_n), ('fc2', 25, a.fc2_n)):
        xs, ys = x[:n], y[:n]
        t0 = time.time(); r = shapley_values(net, layer, xs, ys); t = time.time() - t0
        print(f"| {layer}, 2^{N} coalitions, n={n:,} | {t:.1f} s | {2**N*n/t/1e6:.1f}M image-coalitions/s | efficiency residual {abs(r.values.sum() - r.info['v_full']):.1e} |")


if __name__ == '__main__': main()
