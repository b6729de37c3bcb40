"`neuralrank rank` and `neuralrank zoo` from the command line, on good and bad input."
import json
import numpy as np
import pytest
from PIL import Image
from conftest import cli


def test_rank_table_and_json(small_zoo):
    folder, _ = small_zoo
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 500)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith('# target fashion:0-4, n=500; layer last-hidden; D=10; silhouette (standard, cosine); 3 models from'), lines[0]
    assert lines[1].split()[:3] == ['rank', 'model', 'score'] and len(lines) == 5
    assert 'L3: Sequential(Flatten, Linear(' in r.stdout and '1024 features' in r.stdout  # the layer each model used
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 500, '--json')
    meta = json.loads(r.stdout)
    assert {k: meta[k] for k in ('target', 'n', 'layer', 'dim', 'estimator', 'seed', 'skipped')} == {
        'target': 'fashion:0-4', 'n': {'grey 28x28': 500}, 'layer': 'last-hidden', 'dim': 10, 'estimator': 'silhouette', 'seed': 0, 'skipped': []}
    assert meta['neuralrank'] and meta['torch']
    res = meta['ranking']
    assert {x['model'] for x in res} == {'F0-4', 'M0-4', 'F0-4^l'}
    assert [x['rank'] for x in res] == [1, 2, 3]
    assert res[0]['score'] >= res[1]['score'] >= res[2]['score']
    assert {x['layer'] for x in res} == {'L5', 'L3'}  # default last-hidden: each model's last dense layer
    # a Fashion model ranks above the MNIST model for a Fashion target
    order = [x['model'] for x in res]
    assert order.index('F0-4') < order.index('M0-4')


def test_rank_mnist_target_prefers_mnist_model(small_zoo):
    folder, _ = small_zoo
    res = json.loads(cli('rank', '--zoo', folder, '--target', 'mnist:0-4', '--limit', 500, '--json').stdout)['ranking']
    order = [x['model'] for x in res]
    assert order.index('M0-4') < order.index('F0-4'), res


def test_rank_image_folder_target(small_zoo, tmp_path):
    "A user's ImageFolder (here MNIST digits saved as PNGs) is a valid target"
    from neuralrank.data import load_split
    x, y = load_split('mnist', train=False, classes='0-2', limit=90)
    for i, (img, lab) in enumerate(zip(x, y)):
        d = tmp_path/'digits'/f'class{int(lab)}'; d.mkdir(parents=True, exist_ok=True)
        Image.fromarray((img[0].numpy()*255).astype(np.uint8)).save(d/f'{i}.png')
    r = cli('rank', '--zoo', small_zoo[0], '--target', tmp_path/'digits', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)['ranking']
    assert len(res) == 3 and all(x['n'] == 90 for x in res)


def test_rank_layer_index_skips_models_without_it(small_zoo):
    "--layer 5 ranks the full CNNs and names the lite one it skipped; a layer no model has is the error"
    r = cli('rank', '--zoo', small_zoo[0], '--target', 'fashion:0-4', '--limit', 300, '--layer', 5, '--json')
    meta = json.loads(r.stdout)
    assert r.returncode == 0 and meta['skipped'] == ['F0-4^l (no layer 5)'] and {x['model'] for x in meta['ranking']} == {'F0-4', 'M0-4'}
    assert {x['layer'] for x in meta['ranking']} == {'L5'}


def test_rank_default_zoo_is_the_user_cache(small_zoo, tmp_path, monkeypatch):
    "Without --zoo, rank reads the user cache's zoo, as `neuralrank zoo` does"
    import shutil
    shutil.copytree(small_zoo[0], tmp_path/'zoo')
    monkeypatch.setenv('NEURALRANK_CACHE', str(tmp_path))
    r = cli('rank', '--target', 'mnist:0-4', '--limit', 200)
    assert r.returncode == 0, r.stderr
    assert str(tmp_path/'zoo') in r.stdout and 'M0-4' in r.stdout


@pytest.mark.parametrize('args, message', [
    (['--target', 'svhn:0-4'], 'unknown dataset'),
    (['--target', 'mnist:0-4', '--layer', '9'], "no model in"),  # no model has L9
    (['--target', 'mnist:0-4', '--layer', 'fc9'], "has layer 'fc9'"),
    (['--target', 'mnist:0-4', '--limit', 40, '--dim', 50], 'D=50'),
    (['--target', 'mnist:7', '--limit', 100], 'single-class'),
    (['--target', 'mnist:0-4', '--dim', 0], '--dim must be a whole number of at least 1'),
    (['--target', 'mnist:11-12'], 'not in this dataset'),
])
def test_rank_bad_input(small_zoo, args, message):
    r = cli('rank', '--zoo', small_zoo[0], *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.count('\n') == 1  # one line


def test_rank_missing_and_empty_zoo(tmp_path):
    r = cli('rank', '--zoo', tmp_path/'nothing', '--target', 'mnist')
    assert r.returncode == 2 and 'does not exist' in r.stderr
    (tmp_path/'empty').mkdir()
    r = cli('rank', '--zoo', tmp_path/'empty', '--target', 'mnist')
    assert r.returncode == 2 and 'holds no trained models' in r.stderr


def test_rank_truncated_checkpoint(small_zoo, tmp_path):
    "A damaged checkpoint is named in the error, never silently loaded"
    import shutil
    folder = tmp_path/'zoo'; shutil.copytree(small_zoo[0], folder)
    ckpt = sorted(folder.glob('*.pt'))[0]
    ckpt.write_bytes(ckpt.read_bytes()[:4096])
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 200)
    assert r.returncode == 2 and ckpt.name in r.stderr and 'damaged' in r.stderr, r.stderr
    ckpt.unlink()  # metadata without checkpoint
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 200)
    assert r.returncode == 2 and 'missing' in r.stderr, r.stderr


def test_missing_data_root(small_zoo, tmp_path):
    r = cli('rank', '--zoo', small_zoo[0], '--target', 'fashion:0-4', '--data-root', tmp_path/'no-data')
    assert r.returncode == 2, r.stderr
    assert str(tmp_path/'no-data') in r.stderr and 'NEURALRANK_DATA' in r.stderr and 'Traceback' not in r.stderr


def test_zoo_listing(small_zoo):
    r = cli('zoo', '--zoo', small_zoo[0])
    assert r.returncode == 0 and 'F0-4^l' in r.stdout and 'test_accuracy' in r.stdout
    labels = [l.split()[0] for l in r.stdout.strip().splitlines()[1:]]
    assert labels == sorted(labels)  # by label, not by key
    assert all(l.split()[-1] == 'ok' for l in r.stdout.strip().splitlines()[1:])


def test_zoo_listing_names_missing_and_damaged_checkpoints(small_zoo, tmp_path):
    "A listing must not show a model as fine when its checkpoint is gone, cut short or another model's file"
    import shutil
    folder = tmp_path/'zoo'; shutil.copytree(small_zoo[0], folder)
    cks = sorted(folder.glob('*.pt'))
    cks[0].unlink(); shutil.copy(cks[2], cks[1])  # gone; another model's file
    out = cli('zoo', '--zoo', folder).stdout
    state = {l.split()[1]: l.split()[-1] for l in out.strip().splitlines()[1:]}
    assert state[cks[0].stem] == 'missing' and state[cks[1].stem] == 'damaged' and state[cks[2].stem] == 'ok', out
    cks[2].write_bytes(cks[2].read_bytes()[:100])  # cut short
    assert cli('zoo', '--zoo', folder).stdout.count('damaged') == 2
