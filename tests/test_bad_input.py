"""Bad input from a user: one clear line and a non-zero exit, never a traceback, never a silently wrong answer.

Each case says what the user gave and what they must see: the exit status, no `Traceback`, and the key words of the
message. For the inputs that used to give a silently wrong result, the test checks that the right thing happens now."""
import json, os, shutil, signal, subprocess, sys, textwrap, time
from pathlib import Path
import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from conftest import cli, cli_process, REPO


def one_line_error(r, *words, code=2):
    "The command failed with `code`, printed one `neuralrank: error:` line holding `words`, and no traceback"
    assert r.returncode == code, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert 'Traceback' not in r.stderr, r.stderr
    errors = [l for l in r.stderr.splitlines() if l.startswith('neuralrank: error:')]
    assert len(errors) == 1, r.stderr
    for w in words: assert w in errors[0], (w, errors[0])


# --- targets, classes, numbers, layers ------------------------------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    (['--target', 'mnist:'], ["no classes after ':'"]),
    (['--target', 'mnist:5-2'], ['runs backwards', '2-5']),
    (['--target', 'mnist:a-b'], ["cannot read classes 'a-b'"]),
    (['--target', 'mnist:-1'], ['negative']),
    (['--target', 'svhn'], ["unknown dataset 'svhn'", './svhn']),
    (['--target', ''], ['the target is empty']),
    (['--target', 'mnist:0-4', '--limit', '-5'], ['--limit must be a whole number of at least 2', '-5']),
    (['--target', 'mnist:0-4', '--limit', '0'], ['--limit must be a whole number of at least 2']),
    (['--target', 'mnist:0-4', '--limit', '1'], ['--limit must be a whole number of at least 2']),  # was: 'the labels hold 1'
    (['--target', 'mnist:0-4', '--dim', '-3'], ['--dim must be a whole number']),
    (['--target', 'mnist:0-4', '--layer', ''], ['the layer is empty']),
    (['--target', 'mnist:0-4', '--device', 'gpu0'], ["unknown device 'gpu0'"]),
])
def test_rank_refuses_bad_arguments(small_zoo, args, words):
    one_line_error(cli('rank', '--zoo', small_zoo[0], *args), *words)


def test_rank_models_checks_what_the_zoo_path_checks(small_zoo):
    "`rank --model`: --cluster is checked and refused (it used to run in this process without a word); D names its limit"
    key = small_zoo[1][0].key
    one_line_error(cli('rank', '--zoo', small_zoo[0], '--model', key, '--target', 'fashion:0-4', '--cluster', 'nonsense'), 'nonsense')
    one_line_error(cli('rank', '--zoo', small_zoo[0], '--model', key, '--target', 'fashion:0-4', '--cluster', 'local:2'),
                   "--cluster scores a zoo's models", 'drop --cluster')
    one_line_error(cli('rank', '--zoo', small_zoo[0], '--model', key, '--target', 'fashion:0-4', '--limit', '300', '--dim', '100000'),
                   'D=100000', 'at most 300')


def test_all_beside_other_estimators_means_every_one(small_zoo):
    "`--estimator all,logme` used to say 'all' was unknown while suggesting it"
    r = cli('rank', '--zoo', small_zoo[0], '--target', 'fashion:0-4', '--limit', '200', '--estimator', 'all,logme', '--json')
    assert r.returncode == 0, r.stderr
    from neuralrank.estimators import ESTIMATORS
    assert json.loads(r.stdout)['estimator'] == list(ESTIMATORS)


@pytest.mark.parametrize('what', ['seed', 'out_dir'])
def test_report_setup_refuses_before_making_anything(tmp_path, what):
    "A report run with papermill gets its seed and out_dir checked in its first call, before any folder is made"
    from neuralrank.checks import InputError
    from neuralrank.papers import start_report
    (tmp_path/'afile').write_text('x')
    out = tmp_path/('afile' if what == 'out_dir' else 'out')
    with pytest.raises(InputError, match=r'seed must be a whole number of at least 0' if what == 'seed' else 'is a file, not a folder'):
        start_report('neuralrank_table3', 'smoke', 'cpu', seed=-1 if what == 'seed' else 0, data_root=tmp_path,
                     zoo_dir=tmp_path/'zoo', out_dir=out, progress=False)
    assert not (tmp_path/'out').exists() and not (tmp_path/'zoo').exists()


def test_dataset_name_beats_a_folder_of_that_name(small_zoo, tmp_path, monkeypatch):
    "A folder ./mnist in the working directory does not replace the MNIST dataset; ./mnist names the folder"
    d = tmp_path/'mnist'/'zero'; d.mkdir(parents=True)
    for i in range(3): Image.new('L', (28, 28), i).save(d/f'{i}.png')
    (tmp_path/'mnist'/'one').mkdir()
    for i in range(3): Image.new('L', (28, 28), 255 - i).save(tmp_path/'mnist'/'one'/f'{i}.png')
    monkeypatch.chdir(tmp_path)
    r = cli('rank', '--zoo', small_zoo[0], '--target', 'mnist:0-4', '--limit', '300', '--json')
    assert r.returncode == 0, r.stderr
    assert {x['n'] for x in json.loads(r.stdout)['ranking']} == {300}  # the dataset's test split, not the 6 images of ./mnist
    r = cli('rank', '--zoo', small_zoo[0], '--target', './mnist', '--dim', '2', '--json')
    assert r.returncode == 0, r.stderr
    assert {x['n'] for x in json.loads(r.stdout)['ranking']} == {6}


def _noise_png(f) -> bytes:
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (28, 28), dtype=np.uint8)).save(f)
    return f.read_bytes()


@pytest.mark.parametrize('make, words', [
    (lambda f: f.write_bytes(b'this is text, not a PNG'), ['cannot read image', 'bad.png']),
    (lambda f: f.write_bytes(_noise_png(f)[:400]), ['cannot read image', 'bad.png']),  # truncated
])
def test_unreadable_image_is_named(small_zoo, tmp_path, make, words):
    for c in ('a', 'b'):
        (tmp_path/'imgs'/c).mkdir(parents=True)
        for i in range(4): Image.new('L', (28, 28), 40*i + (c == 'b')*100).save(tmp_path/'imgs'/c/f'good{i}.png')
    make(tmp_path/'imgs'/'a'/'bad.png')
    one_line_error(cli('rank', '--zoo', small_zoo[0], '--target', tmp_path/'imgs', '--dim', '2'), *words)


def test_api_refuses_bad_input():
    "The Python API raises ValueError with the same words the command line prints"
    from neuralrank.data import load_split
    from neuralrank.silhouette import silhouette
    x, y = torch.randn(50, 4), torch.arange(50) % 2
    with pytest.raises(ValueError, match='x has no features'): silhouette(torch.zeros(50, 0), y)
    with pytest.raises(ValueError, match='labels hold NaN'): silhouette(x, y.double().index_fill(0, torch.tensor([0]), float('nan')))
    with pytest.raises(ValueError, match='one-dimensional'): silhouette(x, torch.stack([y, y], 1))
    assert silhouette(x, ['a' if int(c) else 'b' for c in y]) == pytest.approx(silhouette(x, y))
    with pytest.raises(ValueError, match='class 2.9 must be a whole number'): load_split('mnist', False, classes=[2.9, 5])
    with pytest.raises(ValueError, match='limit must be a whole number'): load_split('mnist', False, limit=-5)
    with pytest.raises(ValueError, match='the dataset name is empty'): load_split('')


# --- paths ----------------------------------------------------------------------------------------------------------

def test_out_that_is_a_file_or_under_a_file_or_unwritable(tmp_path):
    f = tmp_path/'file.txt'; f.write_text('x')
    for out, words in ((f, ['is a file, not a folder']), (f/'sub', ['which is a file']), ('/proc/neuralrank-out', ['cannot be written'])):
        t0 = time.time()
        r = cli('reproduce', '--profile', 'smoke', '--out', out, '--zoo', tmp_path/'zoo')
        one_line_error(r, '--out', *words)
        assert time.time() - t0 < 60 and not (tmp_path/'zoo').exists()  # refused before any training


def test_zoo_that_is_a_file(tmp_path):
    f = tmp_path/'zoo.txt'; f.write_text('x')
    one_line_error(cli('rank', '--zoo', f, '--target', 'mnist'), 'zoo folder', 'is a file, not a folder')
    one_line_error(cli('zoo', '--zoo', f), 'is a file, not a folder')
    one_line_error(cli('reproduce', '--profile', 'smoke', '--zoo', f, '--out', tmp_path/'out'), '--zoo', 'is a file')


def test_bad_device_leaves_no_folder(tmp_path):
    one_line_error(cli('reproduce', '--profile', 'smoke', '--device', 'gpu0', '--out', tmp_path/'out'), "unknown device 'gpu0'")
    assert not (tmp_path/'out').exists()
    if not torch.cuda.is_available():
        one_line_error(cli('reproduce', '--profile', 'smoke', '--device', 'cuda', '--out', tmp_path/'out'), 'no GPU is visible')
        assert not (tmp_path/'out').exists()


def test_only_with_no_names():
    one_line_error(cli('reproduce', '--profile', 'smoke', '--only', ','), 'no report names')


@pytest.mark.parametrize('n', ['0', '-2'])
def test_seeds_must_be_positive(tmp_path, n):
    "A number of model seeds below 1 is refused before any folder is made"
    one_line_error(cli('reproduce', '--profile', 'smoke', '--seeds', n, '--out', tmp_path/'out'), '--seeds must be a whole number of at least 1')
    assert not (tmp_path/'out').exists()


# --- zoo entries ----------------------------------------------------------------------------------------------------

@pytest.fixture()
def zoo_copy(small_zoo, tmp_path):
    folder = tmp_path/'zoo'; shutil.copytree(small_zoo[0], folder)
    return folder, {json.loads(p.read_text())['label']: p for p in folder.glob('*.json')}


def test_entry_naming_another_checkpoint_is_skipped(zoo_copy):
    "M0-4's entry edited to point at F0-4's checkpoint used to rank F0-4 twice, once as M0-4"
    folder, entries = zoo_copy
    m = json.loads(entries['M0-4'].read_text()); f = json.loads(entries['F0-4'].read_text())
    m['key'], m['sha256'] = f['key'], f['sha256']
    entries['M0-4'].write_text(json.dumps(m))
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 200, '--json')
    assert r.returncode == 0, r.stderr
    assert sorted(x['model'] for x in json.loads(r.stdout)['ranking']) == ['F0-4', 'F0-4^l']
    warn = [l for l in r.stderr.splitlines() if l.startswith('neuralrank: warning:')]
    assert len(warn) == 1 and entries['M0-4'].name in warn[0] and 'disagrees' in warn[0], r.stderr


@pytest.mark.parametrize('edit, words', [
    (lambda m: m['spec'].update(colour='red'), ['unknown spec field(s) colour']),
    (lambda m: m.pop('sha256'), ['lacks sha256']),
    (lambda m: m['spec'].pop('dataset'), ['incomplete model spec']),
])
def test_damaged_entry_is_skipped_with_its_name(zoo_copy, edit, words):
    folder, entries = zoo_copy
    m = json.loads(entries['M0-4'].read_text()); edit(m); entries['M0-4'].write_text(json.dumps(m))
    r = cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 200, '--json')
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    assert 'M0-4' not in [x['model'] for x in json.loads(r.stdout)['ranking']]
    warn = [l for l in r.stderr.splitlines() if l.startswith('neuralrank: warning:')]
    assert len(warn) == 1 and entries['M0-4'].name in warn[0] and all(w in warn[0] for w in words), r.stderr


def test_checkpoint_that_does_not_unpickle(zoo_copy):
    "A checkpoint whose bytes match the recorded hash but are not a checkpoint is named, not a traceback"
    from neuralrank.store import file_sha256
    folder, entries = zoo_copy
    m = json.loads(entries['F0-4'].read_text())
    ckpt = folder/f"{m['key']}.pt"; ckpt.write_bytes(b'not a torch file at all')
    m['sha256'] = file_sha256(ckpt); entries['F0-4'].write_text(json.dumps(m))
    one_line_error(cli('rank', '--zoo', folder, '--target', 'fashion:0-4', '--limit', 200), ckpt.name, 'does not load')


# --- reproduce: stale outputs, interrupts, two runs at once ----------------------------------------------------------

def _report(folder:Path, name:str, code:str):
    nb = nbformat.v4.new_notebook(metadata={'kernelspec': {'name': 'python3', 'language': 'python', 'display_name': 'python3'}})
    p = nbformat.v4.new_code_cell("out_dir = 'x'\nprofile = 'smoke'"); p.metadata['tags'] = ['parameters']
    nb.cells = [p, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, folder/f'{name}.ipynb')


def test_rerun_into_old_out_shows_no_stale_results(tmp_path):
    reports = tmp_path/'reports'; reports.mkdir()
    env = {'NEURALRANK_REPORTS': str(reports)}
    _report(reports, 'demo_flaky', "from neuralrank.report import ReportWriter\nrw = ReportWriter(out_dir, 'demo_flaky', 'Flaky')\n"
                                   "from neuralrank.verdicts import decide\nrw.claim('T', 'it works', decide([1.]*5, detail='first run'), whose='ours'); rw.save()")
    r = cli('reproduce', '--profile', 'smoke', '--out', tmp_path/'out', env=env)
    assert r.returncode == 0 and 'held 1, did not hold 0, inconclusive 0 of 1 claims' in (tmp_path/'out'/'index.md').read_text(), r.stderr
    _report(reports, 'demo_flaky', "raise RuntimeError('broken this time')")
    r = cli('reproduce', '--profile', 'smoke', '--out', tmp_path/'out', env=env)
    assert r.returncode == 1
    index = (tmp_path/'out'/'index.md').read_text()
    assert '**FAILED**' in index and 'first run' not in index and 'inconclusive 0 of 0 claims' in index
    assert not (tmp_path/'out'/'demo_flaky'/'report.json').exists()


def test_ctrl_c_during_a_report_is_one_line(tmp_path):
    reports = tmp_path/'reports'; reports.mkdir()
    _report(reports, 'demo_slow', "import time\nopen('started', 'w').close()\ntime.sleep(120)")
    exe = shutil.which('neuralrank')
    # a test runner started in the background (`cmd &`) ignores SIGINT and its children inherit that, so Python would
    # never raise KeyboardInterrupt: give the run a terminal's default, as a user pressing Ctrl-C has
    p = subprocess.Popen([exe, 'reproduce', '--profile', 'smoke', '--out', str(tmp_path/'out')], stderr=subprocess.PIPE, text=True,
                         env={**os.environ, 'NEURALRANK_REPORTS': str(reports)}, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    t0 = time.time()
    while not (tmp_path/'out'/'demo_slow'/'started').exists():
        assert p.poll() is None and time.time() - t0 < 120, p.stderr.read()
        time.sleep(0.2)
    os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    err = p.communicate(timeout=90)[1]  # the report's kernel is shut down first
    assert p.returncode == 130, err
    assert 'Traceback' not in err and 'KeyboardInterrupt' not in err and 'IPKernelApp' not in err, err
    assert err.strip().splitlines()[-1].startswith('neuralrank: interrupted'), err


def test_no_kernel_chatter_on_the_console(tmp_path):
    reports = tmp_path/'reports'; reports.mkdir()
    _report(reports, 'demo_quiet', "x = 1")
    r = cli_process('reproduce', '--profile', 'smoke', '--out', tmp_path/'out', env={'NEURALRANK_REPORTS': str(reports)})
    assert r.returncode == 0 and 'IPKernelApp' not in r.stderr, r.stderr  # a real process: the kernels' own stderr counts


def test_two_processes_train_a_model_once(tmp_path):
    "Two runs on one zoo: one trains the model, the other waits for it and reuses it"
    script = textwrap.dedent(f"""
        from neuralrank.zoo import ModelZoo, ModelSpec
        print(ModelZoo({str(tmp_path/'zoo')!r}, device='cpu', eval_limit=100, progress=False)
              .train_missing(ModelSpec('mnist', '0-4', train_size=1500, epochs=2)))
    """)
    procs = [subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sorted(o[0].strip() for o in outs) == ['False', 'True'], outs


# --- seeds, devices, full disks, narrow layers -------------------------------------------------------------------------

@pytest.mark.parametrize('cmd', ['rank', 'neurons', 'sample', 'reproduce'])
def test_negative_seed_names_the_option(small_zoo, tmp_path, cmd):
    args = {'rank': ['--zoo', small_zoo[0], '--target', 'mnist:0-4'],
            'neurons': ['--zoo', small_zoo[0], '--model', 'M0-4', '--layer', 'L1', '--target', 'mnist:0-4', '--method', 'l1'],
            'sample': ['--zoo', small_zoo[0], '--model', 'M0-4', '--layer', 'L5', '--target', 'mnist:0-4'],
            'reproduce': ['--profile', 'smoke', '--only', 'neuralrank_table2', '--out', tmp_path/'out', '--zoo', tmp_path/'zoo']}[cmd]
    one_line_error(cli(cmd, *args, '--seed', -1), '--seed must be a whole number of at least 0, got -1')
    assert not (tmp_path/'out').exists()


@pytest.mark.parametrize('device, words', [('meta', "device 'meta' cannot run the models here (it holds no data)"),
                                           ('xla', "device 'xla' cannot run"), ('cuda:7', "device 'cuda:7' was asked for")])
def test_devices_that_cannot_run_models(small_zoo, device, words):
    one_line_error(cli('neurons', '--zoo', small_zoo[0], '--model', 'M0-4', '--layer', 'L1', '--target', 'mnist:0-4',
                                 '--method', 'l1', '--device', device), words)
    one_line_error(cli('rank', '--zoo', small_zoo[0], '--target', 'mnist:0-4', '--device', device), words)


def test_full_disk_on_out_is_one_line(small_zoo, tmp_path, monkeypatch):
    "--out on a disk that fills up: a line naming the file and the cause, not a traceback"
    import errno, neuralrank.cli
    def full(path, write): raise OSError(errno.ENOSPC, 'No space left on device', str(path))
    monkeypatch.setattr(neuralrank.cli, 'atomic_write', full)
    one_line_error(cli('sample', '--zoo', small_zoo[0], '--model', 'M0-4', '--layer', 'L5', '--target', 'mnist:0-4',
                                 '--limit', 300, '--out', tmp_path/'idx.csv'), f"cannot write {tmp_path/'idx.csv'}: No space left on device")


def test_model_with_fewer_features_than_d_is_skipped_and_named(small_zoo, tmp_path):
    "A zoo model whose layer has fewer features than --dim is skipped with its reason; if all are, the error says so"
    from neuralrank.zoo import ModelZoo, ModelSpec
    shutil.copytree(small_zoo[0], tmp_path/'zoo')
    ModelZoo(tmp_path/'zoo', device='cpu', eval_limit=100, progress=False).ensure([ModelSpec('mnist', '0-4', width=8, train_size=300, epochs=1)])
    r = cli('rank', '--zoo', tmp_path/'zoo', '--target', 'mnist:0-4', '--limit', 300, '--json')
    assert r.returncode == 0, r.stderr
    assert any('(8 features < --dim 10)' in s for s in json.loads(r.stdout)['skipped']), r.stdout[:500]
    one_line_error(cli('rank', '--zoo', tmp_path/'zoo', '--target', 'mnist:0-4', '--limit', 300, '--dim', 2000),
                   'has 2000 features at layer', 'give a smaller --dim')


# --- an image folder's classes against the model's outputs ----------------------------------------------------------

@pytest.fixture(scope='module')
def digit_folders(tmp_path_factory):
    "MNIST test digits 1 and 3 as an image folder twice: named '1/' and '3/', and named 'cat/' and 'dog/'"
    from neuralrank.data import load_split
    x, y = load_split('mnist', train=False, classes=[1, 3], limit=120, seed=0)
    root = tmp_path_factory.mktemp('digits')
    for names in (('1', '3'), ('cat', 'dog')):
        for label, name in enumerate(names):
            d = root/'-'.join(names)/name
            d.mkdir(parents=True)
            for i in np.flatnonzero(y.numpy() == label):
                Image.fromarray((x[i, 0].numpy()*255).astype(np.uint8)).save(d/f'{i}.png')
    return root/'1-3', root/'cat-dog'


def test_folder_classes_are_matched_by_name(small_zoo, digit_folders):
    "Folders 1/ and 3/ are the model's digits 1 and 3, not its outputs 0 and 1 (which made nearly every item 'wrong')"
    key = next(s.key for s in small_zoo[1] if s.dataset == 'mnist')
    r = cli('sample', '--zoo', small_zoo[0], '--model', key, '--layer', 'L5', '--target', digit_folders[0],
            '--technique', 'stratified_cm', '--frac', '0.2', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res['wrong in test set'] < 0.3*res['n'], res  # labels 0/1 against predictions 1/3: about 100% wrong before
    assert "matched to the model's outputs by name: 1=1, 3=3" in r.stderr, r.stderr


def test_a_model_that_does_not_know_its_classes_is_refused_or_told(small_zoo, digit_folders, tmp_path):
    "A model file and folders cat/, dog/: sorted names as outputs 0, 1 disagree with its predictions, so it is refused; --classes fixes it"
    from neuralrank.zoo import ModelZoo
    spec = next(s for s in small_zoo[1] if s.dataset == 'mnist')
    net = ModelZoo(small_zoo[0], device='cpu', progress=False).load(spec.key)
    del net.spec
    torch.save(net, tmp_path/'net.pt')
    args = ('sample', '--model', tmp_path/'net.pt', '--layer', 'L5', '--target', digit_folders[1], '--frac', '0.2', '--json')
    one_line_error(cli(*args), 'cat=0, dog=1', 'agree with that on', '--classes')
    r = cli(*args, '--classes', 'cat=1,dog=3')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res['wrong in test set'] < 0.3*res['n'] and 'matched to the model\'s outputs given: cat=1, dog=3' in r.stderr
    one_line_error(cli('sample', '--model', tmp_path/'net.pt', '--layer', 'L5', '--target', 'mnist', '--classes', 'a=1'),
                   "--classes maps an image folder's classes")


class TwoInputs(torch.nn.Module):
    "A model whose forward needs a second input beside the images"
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
    def forward(self, x, mask): return self.fc(x.flatten(1))*mask


@pytest.mark.parametrize('cmd, args', [('rank', ('--target', 'mnist:0-4')), ('sample', ('--layer', 'fc', '--target', 'mnist')),
                                       ('neurons', ('--layer', 'fc', '--target', 'mnist'))])
def test_model_whose_forward_needs_two_inputs(tmp_path, cmd, args):
    "Each command feeds one batch of images: a forward(x, mask) is refused in one line (it was a traceback)"
    torch.save(TwoInputs(), tmp_path/'two.pt')
    one_line_error(cli(cmd, '--model', tmp_path/'two.pt', *args), 'needs 2 inputs (x, mask)')


def test_long_work_writes_lines_not_bars_when_output_is_not_a_terminal(tmp_path):
    "Training with progress on, its output a log (not a terminal): plain lines at most, never a bar's carriage returns"
    import io
    from contextlib import redirect_stderr
    from neuralrank.zoo import ModelZoo, ModelSpec
    err = io.StringIO()
    with redirect_stderr(err):
        ModelZoo(tmp_path, device='cpu', eval_limit=100, progress=True).get(ModelSpec('mnist', '0-1', train_size=200, epochs=1))
    assert '\r' not in err.getvalue(), err.getvalue()[:300]
