"""Time of each transferability estimator on n x D features, against the obvious implementation of the same formula.

    python benchmarks/estimators.py [--n 2000] [--d 1024] [--k 5] [--repeats 3]

The features are synthetic and seeded: K classes, one Gaussian cloud per class in D dimensions, through a ReLU like a
real dense layer (the size of the paper CNN's L5 on a quick-profile target). Each line prints the median of `--repeats`
cold runs (no decomposition shared between estimators or runs) and both values.

The obvious implementations, timed in the same run:
- H-score: the pseudo-inverse of the D x D covariance times the covariance of the per-item class means (Bao et al.'s
  formula as written), against ours, |P U|^2 from one decomposition of the smaller Gram matrix.
- shrinkage H-score: scikit-learn's Ledoit-Wolf covariance, then a D x D solve.
- LogME: MacKay's fixed point for one class at a time with the D x D posterior precision inverted at every step,
  against ours, all classes at once in the spectral basis.
- kNN accuracy: scikit-learn's brute-force neighbours (cosine), leave-one-out.
"""
import argparse, time
import numpy as np
import torch
import torch.nn.functional as F
from neuralrank import estimators as E
from neuralrank.estimators import hscore, hscore_shrinkage, logme, knn_accuracy, nleep, score_features


def features(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    centres = rng.normal(size=(k, d))*0.08
    return np.maximum(centres[y] + rng.normal(size=(n, d)), 0), y


def hscore_naive(f, y):
    G = np.stack([f[y == c].mean(0) for c in range(y.max() + 1)])[y]
    return np.trace(np.linalg.pinv(np.cov(f.T, bias=True), hermitian=True) @ np.cov(G.T, bias=True))


def shrinkage_naive(f, y):
    from sklearn.covariance import ledoit_wolf
    G = np.stack([f[y == c].mean(0) for c in range(y.max() + 1)])[y]
    cov, a = ledoit_wolf(f)
    return np.trace(np.linalg.solve(cov, (1 - a)*np.cov(G.T, bias=True)))


def logme_naive(f, y, iters=100, tol=1e-5):
    n, D = f.shape
    FtF, out = f.T @ f, []
    for c in range(y.max() + 1):
        t = (y == c).astype(float)
        a, b = 1.0, 1.0
        for _ in range(iters):
            A = a*np.eye(D) + b*FtF
            Ainv = np.linalg.inv(A)
            m = b*Ainv @ (f.T @ t)
            gamma = D - a*np.trace(Ainv)
            a2, b2 = gamma/(m @ m), (n - gamma)/((f @ m - t) @ (f @ m - t))
            done = abs(a2 - a)/a < tol and abs(b2 - b)/b < tol
            a, b = a2, b2
            if done: break
        A = a*np.eye(D) + b*FtF
        m = b*np.linalg.solve(A, f.T @ t)
        ev = (n/2*np.log(b) + D/2*np.log(a) - n/2*np.log(2*np.pi) - b/2*((f @ m - t)**2).sum() - a/2*m @ m
              - np.linalg.slogdet(A)[1]/2)
        out.append(ev/n)
    return float(np.mean(out))


def knn_naive(f, y, k=5):
    from sklearn.neighbors import KNeighborsClassifier
    idx = KNeighborsClassifier(n_neighbors=k + 1, metric='cosine', algorithm='brute').fit(f, y).kneighbors(f, return_distance=False)[:, 1:]
    return float(np.mean([np.bincount(y[i], minlength=y.max() + 1).argmax() == t for i, t in zip(idx, y)]))


def timed(fn, repeats):
    ts, v = [], None
    for _ in range(repeats):
        E._SPECTRA.clear()  # cold: no decomposition shared from the previous call
        t0 = time.perf_counter(); v = fn(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), v


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=2000); ap.add_argument('--d', type=int, default=1024)
    ap.add_argument('--k', type=int, default=5); ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    f, y = features(a.n, a.d, a.k)
    ft = torch.as_tensor(f)
    print(f"n={a.n}, D={a.d}, K={a.k}, torch threads {torch.get_num_threads()}, median of {a.repeats}")
    print(f"{'estimator':18} {'ours (s)':>9} {'obvious (s)':>11} {'speed-up':>9}  values (ours, obvious)")
    for name, ours, naive in [('hscore', lambda: hscore(ft, y), lambda: hscore_naive(f, y)),
                              ('hscore_shrinkage', lambda: hscore_shrinkage(ft, y), lambda: shrinkage_naive(f, y)),
                              ('logme', lambda: logme(ft, y), lambda: logme_naive(f, y)),
                              ('knn', lambda: knn_accuracy(ft, y), lambda: knn_naive(f, y))]:
        (t1, v1), (t2, v2) = timed(ours, a.repeats), timed(naive, 1 if name == 'logme' else a.repeats)
        print(f"{name:18} {t1:9.3f} {t2:11.3f} {t2/t1:8.1f}x  {v1:.6f}, {v2:.6f}")
    for name in ('silhouette', 'nleep'):
        t, v = timed(lambda: score_features(ft, y, name), a.repeats)
        print(f"{name:18} {t:9.3f} {'':>11} {'':>9}  {v:.6f}")
