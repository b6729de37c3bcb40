"`neuralrank neurons`: ranking the units of a layer of a saved model or a zoo model, and its one-line errors."
import json
from collections import OrderedDict
import pytest
import torch
from torch import nn
from conftest import cli, cli_inprocess
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
    assert res['methods'] == ['shapley', 'switches', 'l1', 'activation', 'random']
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
    one_line_error(cli_inprocess('neurons', '--model', saved_model, *[a for kv in base.items() for a in kv]), *words)


def test_too_many_units_for_exact(small_zoo):
    one_line_error(cli('neurons', '--model', 'F0-4', '--zoo', small_zoo[0], '--layer', 'L5', '--target', 'fashion:0-4',
                       '--estimate', 'exact', '--limit', 50), 'L5 has 1024 units', "method='permutation'")


def test_bad_model_arguments(small_zoo, tmp_path):
    (tmp_path/'weights.pt').write_bytes(b'')
    torch.save({'a': torch.zeros(2)}, tmp_path/'dict.pt')
    one_line_error(cli('neurons', '--model', tmp_path/'dict.pt', '--layer', '1', '--target', 'mnist'), 'holds a dict, not a model')
    one_line_error(cli('neurons', '--model', tmp_path/'weights.pt', '--layer', '1', '--target', 'mnist'), 'cannot load model file')
    one_line_error(cli('neurons', '--model', 'nosuchmodel', '--zoo', small_zoo[0], '--layer', '1', '--target', 'mnist'), "no model 'nosuchmodel'")
