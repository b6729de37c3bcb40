"`neuralrank neurons`: ranking the units of a layer of a saved model or a zoo model, and its one-line errors."
import json
from collections import OrderedDict
import pytest
import torch
from torch import nn
from conftest import cli
from test_bad_input import one_line_error


@pytest.fixture(scope='module')
def saved_model(tmp_path_factory):
    "A small MNIST classifier saved whole with torch.save, its hidden layer named `act` (8 units)"
    torch.manual_seed(0)
    net = nn.Sequential(OrderedDict(flat=nn.Flatten(), hidden=nn.Linear(784, 8), act=nn.ReLU(), out=nn.Linear(8, 10)))
    path = tmp_path_factory.mktemp('model')/'net.pt'
    torch.save(net, path)
    return path


def test_saved_model_all_methods_json(saved_model):
    r = cli('neurons', '--model', saved_model, '--layer', 'act', '--target', 'mnist', '--limit', 200, '--method', 'all', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert (res['layer'], res['units'], res['n'], res['target']) == ('act', 8, 200, 'mnist')
    assert res['methods'] == ['shapley', 'switches', 'l1', 'activation', 'taylor', 'random']
    rows = res['units_ranked']
    assert sorted(u['unit'] for u in rows) == list(range(8)) and [u['shapley rank'] for u in rows] == list(range(1, 9))
    assert rows[0]['shapley'] >= rows[-1]['shapley']


def test_zoo_model_by_label_table(small_zoo):
    r = cli('neurons', '--model', 'F0-4', '--zoo', small_zoo[0], '--layer', 'L1', '--target', 'fashion:0-4', '--limit', 200,
            '--method', 'l1,activation')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith('# F0-4 [') and '32 units' in lines[0] and 'n=200' in lines[0]
    assert lines[1].split() == ['unit', 'l1', 'activation', 'l1', 'rank', 'activation', 'rank'] and len(lines) == 2 + 32


@pytest.mark.parametrize('args, words', [
    (['--layer', 'fc9'], ["no module named 'fc9'"]),
    (['--layer', ''], ['the layer is empty']),
    (['--layer', 'act', '--method', 'magic'], ['unknown ranking method']),
    (['--layer', 'act', '--method', ''], ['(none given)']),
    (['--layer', 'act', '--method', 'all,l1'], ["'all' already means every method"]),
    (['--layer', 'act', '--method', 'shapley,magic'], ["unknown ranking method 'magic'"]),
    (['--layer', 'act', '--target', 'cifar10-rgb'], ['the model cannot read cifar10-rgb images']),
    (['--layer', 'act', '--limit', '-1'], ['--limit must be a whole number']),
])
def test_saved_model_bad_input(saved_model, args, words):
    base = {'--target': 'mnist', '--limit': '50'}
    for i in range(0, len(args), 2): base[args[i]] = args[i + 1]
    one_line_error(cli('neurons', '--model', saved_model, *[a for kv in base.items() for a in kv]), *words)


def test_too_many_units_for_exact(small_zoo):
    one_line_error(cli('neurons', '--model', 'F0-4', '--zoo', small_zoo[0], '--layer', 'L5', '--target', 'fashion:0-4',
                       '--estimate', 'exact', '--limit', 50), 'L5 has 1024 units', "method='permutation'")


def test_bad_model_arguments(small_zoo, tmp_path):
    (tmp_path/'weights.pt').write_bytes(b'')
    torch.save({'a': torch.zeros(2)}, tmp_path/'dict.pt')
    one_line_error(cli('neurons', '--model', tmp_path/'dict.pt', '--layer', '1', '--target', 'mnist'), 'holds a dict, not a model')
    one_line_error(cli('neurons', '--model', tmp_path/'weights.pt', '--layer', '1', '--target', 'mnist'), 'cannot load model file')
    one_line_error(cli('neurons', '--model', 'nosuchmodel', '--zoo', small_zoo[0], '--layer', '1', '--target', 'mnist'), "no model 'nosuchmodel'")


def test_cost_is_said_and_a_run_past_the_budget_refused_before_any_work(saved_model):
    "A permutation run too long for --budget is a one-line refusal (with the budget that would run it) within seconds"
    import time
    t0 = time.time()
    r = cli('neurons', '--model', saved_model, '--layer', 'act', '--target', 'mnist', '--limit', 1000,
                      '--estimate', 'permutation', '--permutations', 100000, '--budget', 1)
    one_line_error(r, 'more than --budget 1 s', 'give --budget', 'up to 100,000 orders x 9 coalitions x 1,000 images')
    assert time.time() - t0 < 60
    assert '# shapley on act: permutation, up to 100,000 orders' in r.stderr


def test_progress_lines_when_not_on_a_terminal(saved_model):
    "Off a terminal (a log, CI) the cost line and the progress come as plain lines, no carriage returns"
    r = cli('neurons', '--model', saved_model, '--layer', 'act', '--target', 'mnist', '--limit', 200, '--method', 'shapley,switches',
            env={'NEURALRANK_PROGRESS_EVERY': '0'})  # a line per update: the default, 30 s, says nothing for work this short
    assert r.returncode == 0, r.stderr
    assert '\r' not in r.stderr and '# shapley on act: exact, 2^8 coalitions x 200 images: about' in r.stderr, r.stderr
    assert 'exact Shapley, 2^8 coalitions:' in r.stderr and 'switch act:' in r.stderr, r.stderr


def test_rgb_model_reads_a_grey_target_with_a_warning(tmp_path):
    "A model whose first convolution reads 3 channels gets a grey target's images in all three, and is told so"
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4*26*26, 10))
    torch.save(net, tmp_path/'rgb.pt')
    r = cli('neurons', '--model', tmp_path/'rgb.pt', '--layer', '1', '--target', 'mnist', '--limit', 50, '--method', 'l1,activation')
    assert r.returncode == 0, r.stderr
    assert 'warning: the model reads RGB images and mnist\'s are grey: each grey value is given in all three channels' in r.stderr


@pytest.mark.parametrize('arch, layer, units', [('resnet18', 'layer1.0.conv1', 64), ('mobilenet_v3_small', 'features.4.block.0.0', 96)])
def test_torchvision_graph_ranked_by_the_command_and_pruned_to_half(tmp_path, arch, layer, units):
    "Residual additions, batch norm, depthwise convolutions, squeeze-excitation: ranked through hooks, pruned by Torch-Pruning"
    import torchvision
    from neuralrank.compress import prune_units, keep_top, compute_cost
    torch.manual_seed(0)
    m = getattr(torchvision.models, arch)(num_classes=10).eval()
    torch.save(m, tmp_path/'net.pt')
    r = cli('neurons', '--model', tmp_path/'net.pt', '--layer', layer, '--target', 'cifar10-rgb', '--limit', 32,
            '--method', 'l1,activation,random', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert (res['layer'], res['units'], res['module']) == (layer, units, 'Conv2d')
    l1 = dict((u['unit'], u['l1']) for u in res['units_ranked'])
    keep = keep_top({layer: [l1[i] for i in range(units)]}, {layer: units//2})
    x = torch.rand(4, 3, 32, 32)
    small = prune_units(m, keep, x)
    assert small.get_submodule(layer).out_channels == units//2 and small(x).shape == (4, 10)
    before, after = compute_cost(m, (3, 32, 32)), compute_cost(small, (3, 32, 32))
    assert after['parameters'] < before['parameters'] and after['FLOPs'] < before['FLOPs']
    kept = m.get_submodule(layer).weight[keep[layer]]
    assert torch.equal(small.get_submodule(layer).weight, kept)  # the units keep_top chose, in index order


def test_rank_and_sample_take_saved_torchvision_models(tmp_path):
    "`rank --model` (repeated) and `sample` on the same saved graphs, each given the target in its own input format"
    import torchvision
    torch.manual_seed(0)
    for arch in ('resnet18', 'mobilenet_v3_small'): torch.save(getattr(torchvision.models, arch)(num_classes=10).eval(), tmp_path/f'{arch}.pt')
    torch.save(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4*30*30, 10)).eval(), tmp_path/'grey.pt')  # reads grey 32x32
    r = cli('rank', '--model', tmp_path/'resnet18.pt', '--model', tmp_path/'mobilenet_v3_small.pt', '--model', tmp_path/'grey.pt',
            '--target', 'cifar10-rgb', '--limit', 60, '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert sorted(x['model'] for x in res['ranking']) == ['grey', 'mobilenet_v3_small', 'resnet18']
    assert res['n'] == {'RGB 32x32': 60, 'grey 32x32': 60} and [x['rank'] for x in res['ranking']] == [1, 2, 3]
    assert 'converted to grey' in r.stderr  # the grey model's target, said once
    s = cli('sample', '--model', tmp_path/'resnet18.pt', '--layer', 'avgpool', '--target', 'cifar10-rgb', '--limit', 100, '--frac', 0.2, '--json')
    assert s.returncode == 0, s.stderr
    assert json.loads(s.stdout)['scores'][0]['size'] == 20
