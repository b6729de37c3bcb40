"""In this process against a Dask local cluster, in one run: zoo training and `rank` over a repository of many models.

    NEURALRANK_DATA=../shared/data python benchmarks/cluster.py [--models 200] [--workers 2] [--train 8]

1. Training: `--train` small paper CNNs (Fashion 0-4, 1,000 images, one epoch each, distinct seeds) into an empty zoo,
   once with every task in this process and once on `local:N`, each from an empty zoo.
2. Ranking: a synthetic repository of `--models` LeNet-5s (MNIST, 200 images, one epoch, distinct seeds: quick to
   make, all different) ranked for MNIST 0-4 (1,000 images) in this process and on `local:N`.

Printed: seconds of each, the ratio, and the per-task seconds on the cluster, from which what k workers would give
follows (k workers: about per-task seconds x tasks / k, plus the start-up). The cluster's start-up is timed apart.
"""
import argparse, os, shutil, tempfile, time

from neuralrank.cluster import InProcess, DaskExecutor, train_task, score_task
from neuralrank.zoo import ModelSpec


def timed(fn):
    t0 = time.perf_counter(); out = fn()
    return out, time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--models', type=int, default=200, help='models in the synthetic repository that rank scores')
    ap.add_argument('--train', type=int, default=8, help='zoo models trained in each training run')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args(argv)
    data = os.environ.get('NEURALRANK_DATA')
    work = tempfile.mkdtemp(prefix='nr-cluster-bench-')
    train = [ModelSpec('fashion', '0-4', train_size=1000, epochs=1, seed=s).to_dict() for s in range(a.train)]
    repo = [ModelSpec('mnist', arch='lenet5', train_size=200, epochs=1, seed=s).to_dict() for s in range(a.models)]
    InProcess().map(train_task, [(f'{work}/repo', s, 'cpu', 100, data) for s in repo])  # the repository, made once
    keys = [ModelSpec.from_dict(s).key for s in repo]
    score = lambda ex: ex.map(score_task, [(f'{work}/repo', k, f'm{i}', 'mnist', (0, 1, 2, 3, 4), 'last-hidden', 10, 1000, 'cpu',
                                            'standard', data, 0, ['silhouette'], True, 28) for i, k in enumerate(keys)])
    here = InProcess()
    _, t_train_here = timed(lambda: here.map(train_task, [(f'{work}/zoo_here', s, 'cpu', 300, data) for s in train]))
    rows_here, t_rank_here = timed(lambda: score(here))
    cluster, t_start = timed(lambda: DaskExecutor(f'local:{a.workers}'))
    with cluster:
        _, t_train_there = timed(lambda: cluster.map(train_task, [(f'{work}/zoo_there', s, 'cpu', 300, data) for s in train]))
        rows_there, t_rank_there = timed(lambda: score(cluster))
    same = all(x.score.iloc[0] == y.score.iloc[0] for x, y in zip(rows_here, rows_there))
    shutil.rmtree(work, ignore_errors=True)
    print(f"# {os.cpu_count()} cpus; local:{a.workers} started in {t_start:.1f} s (not counted below)")
    print('| work | tasks | in this process (s) | local cluster (s) | cluster / in-process | per task on the cluster (s) |')
    print('|---|---|---|---|---|---|')
    for what, n, h, c in (('zoo training', a.train, t_train_here, t_train_there), ('rank', a.models, t_rank_here, t_rank_there)):
        print(f'| {what} | {n} | {h:.1f} | {c:.1f} | {c/h:.2f} | {c*a.workers/n:.3f} |')
    print(f'\nrank scores identical in both: {same}')


if __name__ == '__main__':
    main()
