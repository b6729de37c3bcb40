"""Time to create a 5% sample of 10,000 84-dimensional latents, every technique, against the obvious implementation.

    python benchmarks/sampling.py [--n 10000] [--d 84] [--frac 0.05] [--repeats 3] [--naive-steps 20] [--latents F.npz]

The latents are synthetic and seeded: ten classes in 84 dimensions (the size of the MNIST LeNet-5's FC-2), each class
a cloud with its own covariance, overlapping about as much as that network's latents do (the full mixture needs the
same 24 iterations), passed through a ReLU like a real hidden layer, with 3% of the predictions flipped near the class
boundaries; or a real latent space, `--latents` naming an .npz with arrays z, yt, yp. Each technique starts cold (no
cached GMM or SVM fit) and fits on every item (the default); the median of `--repeats` runs is printed.

The obvious implementations, timed in the same run:
- VAS: for each streamed point, try every exchange and recompute the sample's kernel loss from scratch (O(K^2 d) per
  candidate, with a matrix product); timed on `--naive-steps` points and extrapolated to all of them.
- EB tree: the same boundary tree, with the distances to a node's children computed one child at a time in Python.
- GMM full / spherical: scikit-learn's BayesianGaussianMixture fitted on all points with its defaults, scored with
  scipy's logpdf.
- MaxMargin: scikit-learn's CalibratedClassifierCV(LinearSVC(dual=False), method='sigmoid', cv=3, ensemble=False) on
  all points: the same recipe (liblinear's SVM, Platt's curves on three stratified folds' held-out values).

For the boundary models the script also prints how far our log-odds lie from the reference fit's (items whose
probability is not 1.0 in floating point): the mixture's reference is scikit-learn's with its defaults, the SVM's is
liblinear solved to tol=1e-8 (at its default 1e-4 it stops where it still differs from the exact optimum).
"""
import argparse, os, time, warnings
import numpy as np
import torch
from neuralrank.sampling import sample, TECHNIQUES, BASELINES, LOG_PROBS, clear_fits


def latents(n, d, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    centres, shape = rng.normal(size=(10, d))*0.5, rng.normal(size=(10, d, d))/np.sqrt(d)  # each class its covariance
    z = np.maximum(centres[y] + np.einsum('nd,nde->ne', rng.normal(size=(n, d)), shape[y]), 0)
    d2 = ((z[:, None, :] - np.maximum(centres, 0)[None])**2).sum(-1)
    pred = np.where(rng.random(n) < 0.03, np.argsort(d2, 1)[:, 1], y)  # some items take the second-nearest class
    return z, y, pred


def log_probs_of(z, y, pred):
    "Log probabilities a model could give: a softmax of minus the squared distances to the class centroids, scaled"
    c = np.stack([z[pred == k].mean(0) for k in np.unique(pred)])
    logit = -((z[:, None] - c[None])**2).sum(-1)/z.shape[1]
    return logit - np.logaddexp.reduce(logit, axis=1)[:, None]


def reference_log_odds(z, y):
    "The boundary models' log-odds from scikit-learn's own fits on every item, fed the rows in the order ours see them"
    from scipy.stats import multivariate_normal
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.mixture import BayesianGaussianMixture
    from sklearn.svm import LinearSVC
    from neuralrank.sampling import row_keys, group_log_odds
    fit = np.argsort(row_keys(z, y, 0), kind='stable')
    out = {}
    g = BayesianGaussianMixture(n_components=len(np.unique(y)), covariance_type='full', random_state=0).fit(z[fit])
    out['full'] = group_log_odds(np.stack([np.log(w) + multivariate_normal(m, c).logpdf(z)
                                           for w, m, c in zip(g.weights_, g.means_, g.covariances_)], 1))
    zs = (z - z.mean(0))/(z.std(0) + 1e-12)
    cal = CalibratedClassifierCV(LinearSVC(dual=False, tol=1e-8, max_iter=100_000), method='sigmoid', cv=3,
                                 ensemble=False).fit(zs[fit], y[fit])
    out['svm'] = group_log_odds(np.log(np.maximum(cal.predict_proba(zs), 1e-300)))
    return out


def log_odds_gap(z, y):
    "Largest |our log-odds - the reference's| per boundary model, over items whose probability is below 1.0"
    from neuralrank.sampling import boundary_ratios
    gaps = {}
    for kind, (rg, rlo) in reference_log_odds(z, y).items():
        g, lo, _ = boundary_ratios(kind, z, y, 0, None)
        ok = np.isfinite(rlo) & (rlo < 30)
        gaps[kind] = (float(np.abs(lo - rlo)[ok].max()), float((g == rg).mean()))
    return gaps


def naive_vas(z, m, steps, bandwidth):
    "Interchange by brute force: every candidate exchange scored by recomputing the whole loss"
    g, S = 1/(2*bandwidth**2), list(range(m))
    def loss(idx):
        s = z[idx]; sq = (s*s).sum(1)
        return np.exp(-g*np.maximum(sq[:, None] + sq[None] - 2*s@s.T, 0)).sum()
    for i in range(m, m + steps):
        best, best_loss = None, loss(S)
        for k in range(m):
            T = S[:k] + [i] + S[k + 1:]
            if (l := loss(T)) < best_loss: best, best_loss = k, l
        if best is not None: S[best] = i
    return S


def naive_eb_tree(z, lab):
    "The boundary tree with one distance at a time"
    nodes, children = [0], [[]]
    for i in range(1, len(z)):
        v = 0
        while True:
            here, nearest = float(((z[nodes[v]] - z[i])**2).sum()), None
            for c in children[v]:
                dc = float(((z[nodes[c]] - z[i])**2).sum())
                if dc < here: here, nearest = dc, c
            if nearest is None: break
            v = nearest
        if lab[nodes[v]] != lab[i]: children[v].append(len(nodes)); nodes.append(i); children.append([])
    return nodes


def timed(f, repeats):
    out = []
    for _ in range(repeats):
        clear_fits(); t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return float(np.median(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=10000); ap.add_argument('--d', type=int, default=84)
    ap.add_argument('--frac', type=float, default=0.05); ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--naive-steps', type=int, default=20)
    ap.add_argument('--latents', default=None, help='an .npz with z, yt, yp: a real latent space instead')
    a = ap.parse_args()
    if a.latents:
        f = np.load(a.latents); z, y, pred = f['z'].astype(np.float64), f['yt'], f['yp']; a.n, a.d = z.shape
    else: z, y, pred = latents(a.n, a.d)
    lp = log_probs_of(z, y, pred)  # the softmax baselines' input (the real file holds latents only)
    m = round(a.frac*a.n)
    print(f"# {a.frac:.0%} samples of {a.n:,} latents in {a.d} dimensions; {os.cpu_count()} cpus, torch {torch.__version__}, numpy {np.__version__}")
    ALL = TECHNIQUES + BASELINES
    kw = lambda t: {'log_probs': lp} if t in LOG_PROBS else {}
    ours = {t: timed(lambda: sample(t, z, y, pred, a.frac, **kw(t)), a.repeats) for t in ALL}
    sizes = {t: len(sample(t, z, y, pred, a.frac, **kw(t))) for t in ALL}
    warnings.simplefilter('ignore')
    from sklearn.mixture import BayesianGaussianMixture
    from sklearn.svm import LinearSVC
    from sklearn.calibration import CalibratedClassifierCV
    naive = {}
    x = z[np.random.default_rng(0).permutation(a.n)].astype(np.float64)
    t0 = time.perf_counter(); naive_vas(x, m, a.naive_steps, bandwidth=1.0); naive['vas'] = (time.perf_counter() - t0)/a.naive_steps*(a.n - m)
    t0 = time.perf_counter(); naive_eb_tree(x, pred); naive['eb_tree'] = time.perf_counter() - t0
    for t, kind in (('gmm_full', 'full'), ('gmm_spherical', 'spherical')):
        t0 = time.perf_counter(); BayesianGaussianMixture(n_components=10, covariance_type=kind, random_state=0).fit(z).predict_proba(z); naive[t] = time.perf_counter() - t0
    t0 = time.perf_counter()
    zs = (z - z.mean(0))/(z.std(0) + 1e-12)
    CalibratedClassifierCV(LinearSVC(dual=False), method='sigmoid', cv=3, ensemble=False).fit(zs, y).predict_proba(zs)
    naive['max_margin'] = time.perf_counter() - t0
    print('| technique | sample size | neuralrank | obvious implementation | speed-up |')
    print('|---|---|---|---|---|')
    for t in ALL:
        nv = naive.get(t)
        extra = f"{nv:.2f} s{' (extrapolated)' if t == 'vas' else ''} | {nv/ours[t]:.0f}x" if nv else ' | '
        print(f"| {t} | {sizes[t]} | {ours[t]:.3f} s | {extra} |")
    print(f"# every technique under 1 s: {max(ours.values()) < 1} (slowest {max(ours, key=ours.get)} {max(ours.values()):.3f} s)")
    for kind, (gap, same) in log_odds_gap(z, y).items():
        print(f"# {kind}: largest |log-odds - the reference fit's| {gap:.2g} (items below probability 1.0); "
              f"same most likely group for {same:.2%} of the items")


if __name__ == '__main__':
    main()
