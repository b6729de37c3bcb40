"`neuralrank sample`: a user's saved model and a zoo model, the indices file, and every bad input as one line."
import json
from pathlib import Path
import pandas as pd
import pytest
import torch
from torch import nn
from conftest import cli
from test_bad_input import one_line_error


@pytest.fixture(scope='module')
def saved_model(tmp_path_factory):
    "An untrained but deterministic MNIST classifier saved with torch.save, as a user would bring one"
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4*12*12, 16), nn.ReLU(), nn.Linear(16, 10))
    path = tmp_path_factory.mktemp('model')/'net.pt'
    torch.save(net, path)
    return path


def test_sample_writes_indices_and_scores(saved_model, tmp_path):
    out = tmp_path/'idx.csv'
    r = cli('sample', '--model', saved_model, '--layer', '6', '--target', 'mnist', '--technique', 'stratified_cm',
            '--frac', '0.05', '--limit', '1000', '--out', out, '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    idx = pd.read_csv(out)['index'].to_numpy()
    assert len(idx) == 50 == len(set(idx)) and idx.min() >= 0 and idx.max() < 1000
    assert res['indices'] == sorted(idx.tolist()) and res['n'] == 1000 and res['latent layer'] == '5'
    assert [s['sample'] for s in res['scores']] == ['stratified_cm', 'random (same size)']
    for s in res['scores']: assert 0 <= s['S1'] <= 1 and 0 <= s['S2'] <= 1 and 0 <= s['S3'] <= 1


def test_sample_is_deterministic_for_a_seed(saved_model):
    runs = [json.loads(cli('sample', '--model', saved_model, '--layer', '6', '--target', 'mnist', '--technique', t,
                           '--limit', '600', '--seed', str(seed), '--json').stdout)['indices'] for t, seed in (('vas', 3), ('vas', 3), ('max_margin', 3), ('vas', 4))]
    assert runs[0] == runs[1] and len(runs[2]) == 30
    assert runs[3] != runs[0] and len(runs[3]) == len(runs[0])  # and another seed draws another sample: the seed is used


@pytest.mark.parametrize('technique', ['deepgini', 'entropy', 'margin', 'least_confidence', 'dsa'])
def test_sample_by_the_fields_baselines(saved_model, technique):
    "The field's test-prioritisation scores sample like the paper's techniques, from the same streaming pass"
    r = cli('sample', '--model', saved_model, '--layer', '6', '--target', 'mnist', '--technique', technique,
            '--limit', '400', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert len(res['indices']) == 20 == len(set(res['indices'])) and [s['sample'] for s in res['scores']][0] == technique


@pytest.mark.parametrize('args, words', [
    (['--frac', '0'], ['frac must be a number in (0, 1]']),
    (['--technique', 'deepgini', '--fit-n', '100'], ["deepgini has no option 'fit_n'"]),
    (['--fit-n', '1'], ['fit_n must be a whole number of items, at least 2']),
    (['--frac', '1.5'], ['frac must be a number in (0, 1]']),
    (['--frac', '0.0001'], ['is empty']),
    (['--technique', 'kmeans'], ["unknown sampling technique 'kmeans'", 'max_margin']),
    (['--layer', 'nope'], ['nope']),
    (['--target', 'cifar10-rgb'], ['the model cannot read cifar10-rgb images']),
    (['--j', '2'], ['j must be in [0, 1]']),
    (['--technique', 'random', '--j', '0.5'], ["random has no option 'j'", 'its options are none']),
    (['--k', '0'], ['k must be a whole number']),
    (['--k', '3000', '--layers', '1,5'], ['--k 3000 is not smaller than any query layer', 'give a smaller --k']),
])
def test_sample_refuses_bad_arguments(saved_model, args, words):
    base = {'--layer': '6', '--target': 'mnist', '--limit': '300'}
    given = dict(zip(args[::2], args[1::2]))
    late = ('--frac', '--technique', '--j', '--k', '--layers', '--fit-n')
    argv = [x for k, v in {**base, **given}.items() if k not in late for x in (k, v)]
    argv += [x for k, v in given.items() if k in late for x in (k, v)]
    one_line_error(cli('sample', '--model', saved_model, *argv), *words)


def test_sample_refuses_an_out_folder_and_a_missing_model(saved_model, tmp_path):
    one_line_error(cli('sample', '--model', saved_model, '--layer', '6', '--target', 'mnist', '--out', tmp_path), 'is a folder')
    one_line_error(cli('sample', '--model', tmp_path/'none.pt', '--layer', '6', '--target', 'mnist', '--zoo', tmp_path), 'model file', 'does not exist')
    one_line_error(cli('sample', '--model', 'nosuch', '--layer', '6', '--target', 'mnist', '--zoo', tmp_path), "no model 'nosuch'")


@pytest.fixture(scope='module')
def always_seven(tmp_path_factory):
    "A 10-class model that predicts 7 for every image: its errors on any class subset are known exactly"
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    with torch.no_grad(): net[3].weight.zero_(); net[3].bias.copy_(torch.eye(10)[7])
    path = tmp_path_factory.mktemp('seven')/'net.pt'
    torch.save(net, path)
    return path


def test_a_class_subset_keeps_the_datasets_class_numbers(always_seven):
    "mnist:5-9 on a 10-class model: class 7 stays 7 (renumbered 0-4, every item would count as wrong)"
    from neuralrank.data import load_split
    import os
    y = load_split('mnist', train=False, classes='5-9', limit=500, seed=0, root=os.environ['NEURALRANK_DATA'])[1]
    r = json.loads(cli('sample', '--model', always_seven, '--layer', '3', '--target', 'mnist:5-9', '--limit', '500',
                                 '--technique', 'random', '--json').stdout)
    assert r['wrong in test set'] == int((y != 2).sum()) < 500, r['wrong in test set']  # y is 0..4 here: class 7 is 2


@pytest.mark.parametrize('head, words', [(nn.Linear(16, 3), ['has 3 outputs, fewer than the 10 classes']),
                                         (nn.Linear(16, 1), ['has 1 output, fewer than the 10 classes'])])
def test_outputs_that_are_not_the_targets_logits_are_refused(tmp_path, head, words):
    path = tmp_path/'net.pt'
    torch.save(nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), head), path)
    one_line_error(cli('sample', '--model', path, '--layer', '3', '--target', 'mnist', '--limit', '300'), *words)
    one_line_error(cli('neurons', '--model', path, '--layer', '3', '--target', 'mnist', '--limit', '300'), *words)


def test_a_subset_beyond_the_models_outputs_is_refused(tmp_path):
    path = tmp_path/'net.pt'
    torch.save(nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 3)), path)
    one_line_error(cli('sample', '--model', path, '--layer', '3', '--target', 'mnist:5-9', '--limit', '300'),
                   'has 3 outputs', 'classes [5, 6, 7, 8, 9]')


def test_a_missing_model_file_is_named_as_a_file(tmp_path):
    one_line_error(cli('sample', '--model', tmp_path/'nope.pt', '--layer', '3', '--target', 'mnist'), 'model file', 'nope.pt does not exist')


def test_a_model_class_from_main_says_it_must_be_importable(tmp_path):
    "A class defined in the script that saved the model cannot be unpickled elsewhere: say so, not 'save a whole module'"
    import subprocess, sys
    path = tmp_path/'net.pt'
    subprocess.run([sys.executable, '-c', "import torch\nfrom torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n"
                    "        super().__init__(); self.fc = nn.Linear(784, 10)\n    def forward(self, x): return self.fc(x.flatten(1))\n"
                    f"torch.save(Net(), {str(path)!r})"], check=True)
    one_line_error(cli('sample', '--model', path, '--layer', 'fc', '--target', 'mnist'), 'defined in the script or notebook', 'can be imported')
