"The library notebooks run and pass their own tests under nbdev_test, and the package matches them."
import subprocess, sys
from conftest import REPO


def test_tst_flags_are_separate_flags():
    "nbdev 2 splits tst_flags on whitespace: 'slow|gpu' would be one flag and `#| slow` cells would run in tests"
    from nbdev.config import get_config
    assert get_config(path=REPO).tst_flags.split() == ['slow', 'gpu']


def test_nbdev_test_passes():
    r = subprocess.run(['nbdev_test', '--n_workers', '2'], cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-5000:]
    assert 'Success' in r.stdout


def test_exported_package_matches_notebooks(tmp_path):
    "nbdev_export of the notebooks reproduces the committed package exactly"
    import shutil
    before = {p.name: p.read_text() for p in (REPO/'neuralrank').glob('*.py')}
    r = subprocess.run(['nbdev_export'], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = {p.name: p.read_text() for p in (REPO/'neuralrank').glob('*.py')}
    assert before == after, [k for k in after if before.get(k) != after[k]]
