"""Exact Shapley values on the neuron-ranking authors' LeNet-5 layout (conv-pool-ReLU-BN twice, then two dense layers with
no activation between them, fc2 being the logits), on 5,000 images: the paths of one run side by side.

    python benchmarks/shapley_authors.py [--n 5000] [--ref-n 500] [--sample 24] [--device auto]

Trains (or loads from the shared zoo) the layout on 8,000 MNIST images for 3 epochs. Then, for conv2 (2^20 coalitions):
the block path through the plain cut (`cut_at`: fc2 runs per coalition) on `--ref-n` images, extrapolated to `--n`;
the folded cut (`fold_cut`: fc1 and fc2 become one map to the logits, an arg-max per coalition) on all `--n`; and
`--sample` coalitions through the masked network (one forward pass per coalition), whose values must equal the folded
path's. For fc2 (the 25 logits, 2^25 coalitions): the identity cut's block path on `--ref-n` images (extrapolated),
against the closed form (`output_shapley`) on all `--n`, whose values must equal the counted ones on the same images.
The plain and folded cuts add the same float32 terms in another order, so a coalition whose arg-max is a near-tie can
differ between them; the share of coalitions on which they agree is printed.
"""
import argparse, os, time
import numpy as np
import torch
from neuralrank.data import load_split, user_cache_dir
from neuralrank.zoo import ModelZoo, ModelSpec
from neuralrank.units import coalition_values
from neuralrank.shapley import shapley_values, shapley_from_values, cut_at, fold_cut, all_coalition_counts


def timed(f):
    t0 = time.time(); out = f(); return out, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=5000); ap.add_argument('--ref-n', type=int, default=200)
    ap.add_argument('--sample', type=int, default=24); ap.add_argument('--device', default='auto')
    a = ap.parse_args()
    zoo = ModelZoo(user_cache_dir()/'zoo', device=a.device, eval_limit=2000, progress=False)
    net = zoo.get(ModelSpec('mnist', arch='lenet5_authors', train_size=8000, epochs=3)).eval()
    x, y = (t.to(zoo.device) for t in load_split('mnist', train=False, limit=a.n))
    xr, yr = x[:a.ref_n], y[:a.ref_n]
    print(f"# exact Shapley, the authors' LeNet-5 10-20-100-25 on MNIST; device {zoo.device}, {os.cpu_count()} cpus, torch {torch.__version__}", flush=True)
    plain, t_plain = timed(lambda: all_coalition_counts(cut_at(net, 'conv2'), xr, yr, 20))
    t_plain *= a.n/a.ref_n
    folded, t_fold = timed(lambda: all_coalition_counts(fold_cut(net, 'conv2', x), x, y, 20))
    idx = np.random.default_rng(0).choice(2**20, a.sample, replace=False)
    ref, t_ref = timed(lambda: coalition_values(net, 'conv2', x, y, (idx[:, None] >> np.arange(20)) & 1))
    assert np.array_equal(folded.cpu().numpy()[idx]/len(y), ref), 'the folded path disagrees with the masked network'
    same = (plain == all_coalition_counts(fold_cut(net, 'conv2', x), xr, yr, 20)).double().mean().item()  # float32 sums in another order
    t_ref *= 2**20/a.sample
    print(f"| conv2, 2^20 coalitions, n={a.n:,} | folded {t_fold:.0f} s ({2**20*a.n/t_fold/1e6:.0f}M/s) | plain cut {t_plain:.0f} s "
          f"(from n={a.ref_n}) {t_plain/t_fold:.1f}x | per-coalition {t_ref/3600:.1f} h (from {a.sample}) {t_ref/t_fold:.0f}x | plain = folded on {same:.4%} of coalitions (n={a.ref_n}) |", flush=True)
    counted, t_count = timed(lambda: all_coalition_counts(fold_cut(net, 'fc2', x), xr, yr, 25))
    t_count *= a.n/a.ref_n
    closed, t_closed = timed(lambda: shapley_values(net, 'fc2', x, y))
    small = shapley_values(net, 'fc2', xr, yr).values
    assert np.allclose(small, shapley_from_values(counted.cpu().numpy()/len(yr)), atol=1e-12), 'closed form and counts disagree'
    print(f"| fc2 (logits), 2^25 coalitions, n={a.n:,} | closed form {t_closed:.2f} s | identity cut, counted {t_count/60:.0f} min "
          f"(from n={a.ref_n}) {t_count/t_closed:,.0f}x | values equal on n={a.ref_n} |", flush=True)


if __name__ == '__main__': main()
