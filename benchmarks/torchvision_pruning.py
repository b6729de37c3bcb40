"""torchvision graphs pruned with every unit ranking, beside Torch-Pruning's own magnitude importance.

    NEURALRANK_DATA=../shared/data python benchmarks/torchvision_pruning.py [--train 4000] [--epochs 4] [--out DIR]

A ResNet-18 and a MobileNetV3-small (torchvision, random initialisation: no weights can be downloaded here) are
trained briefly on a CIFAR-10 subset (RGB, 32x32) and saved whole (`DIR/<arch>.pt`, for `neuralrank neurons`,
`sample`). One layer of each (ResNet-18 `layer1.0.conv1`, 64 channels; MobileNetV3-small `features.4.block.0.0`,
the 96-channel expansion of an inverted residual block with squeeze-excitation) is cut to half its channels by each
ranking: `keep_top` chooses, `prune_units` removes them physically (through Torch-Pruning's dependency graph, since
neither network is a chain), then every pruned copy is retrained for the same few epochs. Torch-Pruning's
`GroupMagnitudeImportance` (L1 over the whole coupled group) is scored on the same group and pruned by the same engine,
so only the ranking differs. Printed: accuracy before and after retraining, parameters and FLOPs
(`torch.utils.flop_counter`), and the seconds each ranking took. Shapley values are permutation estimates (64 and 96
units are too many for exact values) on a few hundred training images.
"""
import argparse, copy, time
from pathlib import Path

import pandas as pd
import torch
import torch_pruning as tp
import torchvision

from neuralrank.data import load_split
from neuralrank.zoo import train_epoch, accuracy
from neuralrank.neurons import UNIT_RANKINGS, unit_scores, unit_producer
from neuralrank.compress import prune_units, keep_top, compute_cost

LAYERS = {'resnet18': 'layer1.0.conv1', 'mobilenet_v3_small': 'features.4.block.0.0'}


def train(model, x, y, epochs:int, lr:float, seed:int):
    "Adam with a cosine schedule, seeded (SGD at 0.05 left MobileNetV3-small at chance on 3,000 images)"
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(epochs, 1))
    for e in range(epochs):
        train_epoch(model, opt, x, y, batch_size=128, seed=seed, epoch=e)
        sched.step()
    return recalibrate_batchnorm(model, x)


@torch.no_grad()
def recalibrate_batchnorm(model, x, batch_size:int=256):
    """Batch-norm statistics measured afresh over the training images (a cumulative mean). torchvision's MobileNetV3
    uses a momentum of 0.01: after a few hundred steps its running statistics are still near their initial values, and
    in eval mode the network sat at chance (0.10 test accuracy) while it trained well"""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns: m.reset_running_stats(); m.momentum = None
    model.train()
    for xb in x.split(batch_size): model(xb)
    for m, mo in zip(bns, saved): m.momentum = mo
    return model.eval()


def magnitude_scores(model, layer, example) -> list:
    "Torch-Pruning's group L1 magnitude for every channel of the layer's group"
    DG = tp.DependencyGraph().build_dependency(model, example_inputs=example, verbose=False)
    prod = unit_producer(model, layer)
    group = DG.get_pruning_group(prod, tp.prune_conv_out_channels, idxs=list(range(prod.out_channels)))
    return tp.importance.GroupMagnitudeImportance(p=1)(group).tolist()


def rankings(model, layer, xs, ys, permutations:int, example) -> dict:
    "method -> (scores, seconds)"
    opts = {'shapley': {'estimate': 'permutation', 'permutations': permutations}, 'switches': {'epochs': 3}}
    out = {}
    for method in UNIT_RANKINGS:
        t0 = time.perf_counter()
        s = unit_scores(model, layer, xs, ys, method, **opts.get(method, {}))
        out[method] = (s, time.perf_counter() - t0)
    t0 = time.perf_counter()
    out['torch-pruning magnitude'] = (magnitude_scores(model, layer, example), time.perf_counter() - t0)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--train', type=int, default=4000, help='CIFAR-10 training images')
    ap.add_argument('--test', type=int, default=2000, help='CIFAR-10 test images')
    ap.add_argument('--epochs', type=int, default=4, help='training epochs of each network')
    ap.add_argument('--retrain', type=int, default=1, help='retraining epochs of each pruned copy')
    ap.add_argument('--rank-images', type=int, default=256, help='training images the rankings see')
    ap.add_argument('--permutations', type=int, default=6, help='Shapley permutation orders')
    ap.add_argument('--archs', default='resnet18,mobilenet_v3_small')
    ap.add_argument('--seeds', type=int, default=3, help='model seeds (each: its own training, rankings and retraining)')
    ap.add_argument('--out', type=Path, default=Path('torchvision-pruning'))
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    x, y = load_split('cifar10-rgb', train=True, limit=a.train, seed=0)
    xt, yt = load_split('cifar10-rgb', train=False, limit=a.test, seed=0)
    xs, ys = x[:a.rank_images], y[:a.rank_images]
    rows = []
    for arch, seed in [(arch, s) for arch in a.archs.split(',') for s in range(a.seeds)]:
        layer = LAYERS[arch]
        torch.manual_seed(seed)
        t0 = time.perf_counter()
        net = train(getattr(torchvision.models, arch)(num_classes=10), x, y, a.epochs, 2e-3, seed)
        print(f'{arch} seed {seed}: trained {a.epochs} epochs on {len(y)} images in {time.perf_counter() - t0:.0f} s, '
              f'test accuracy {accuracy(net, xt, yt):.3f}', flush=True)
        torch.save(net, a.out/f'{arch}_seed{seed}.pt')
        base = compute_cost(net, (3, 32, 32))
        rows.append({'network': arch, 'seed': seed, 'ranking': '(unpruned)', 'pruned acc': accuracy(net, xt, yt), 'retrained acc': None,
                     'parameters': base['parameters'], 'MFLOPs': base['FLOPs']/1e6, 'ranking s': 0.})
        n = unit_producer(net, layer).out_channels
        for method, (scores, secs) in rankings(net, layer, xs, ys, a.permutations, x[:2]).items():
            keep = keep_top({layer: scores}, {layer: n//2})
            small = prune_units(net, keep, x[:2])
            before = accuracy(small, xt, yt)
            torch.manual_seed(seed)
            after = accuracy(train(copy.deepcopy(small), x, y, a.retrain, 5e-4, seed), xt, yt)
            cost = compute_cost(small, (3, 32, 32))
            rows.append({'network': arch, 'seed': seed, 'ranking': method, 'pruned acc': before, 'retrained acc': after,
                         'parameters': cost['parameters'], 'MFLOPs': cost['FLOPs']/1e6, 'ranking s': secs})
            print(f'  {method}: {before:.3f} -> {after:.3f} after {a.retrain} epoch(s); ranking took {secs:.1f} s', flush=True)
    t = pd.DataFrame(rows)
    t.to_csv(a.out/'results.csv', index=False)
    g = t.groupby(['network', 'ranking'], sort=False)
    summary = g[['pruned acc', 'retrained acc']].agg(['mean', 'min', 'max']).round(3)
    summary[('parameters', '')], summary[('MFLOPs', '')], summary[('ranking s', 'mean')] = g.parameters.first(), g.MFLOPs.first().round(2), g['ranking s'].mean().round(1)
    print(f"\nHalf of one layer's channels removed; accuracy on {len(yt)} CIFAR-10 test images over {a.seeds} model seeds "
          f"(mean, lowest, highest):\n")
    print(summary.to_string())

if __name__ == '__main__':
    main()
