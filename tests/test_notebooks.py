"The library notebooks pass their own tests (one test each, so a failure names its notebook), and the package matches them."
import shutil, subprocess
import pytest
from conftest import REPO


def test_tst_flags_are_separate_flags():
    "nbdev 2 splits tst_flags on whitespace: 'slow|gpu' would be one flag and `#| slow` cells would run in tests"
    from nbdev.config import get_config
    assert get_config(path=REPO).tst_flags.split() == ['slow', 'gpu']


@pytest.mark.parametrize('notebook', sorted((REPO/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_notebook_passes_its_own_tests(notebook):
    "Each library notebook's cells run in order in a fresh shell of this process, as `nbdev_test` runs them (`slow` and `gpu` skipped)"
    from nbdev.config import get_config
    from nbdev.test import test_nb
    ok, seconds = test_nb(notebook, skip_flags=get_config(path=REPO).tst_flags.split(), showerr=True)
    assert ok, f"{notebook.name} failed: its traceback is in the captured stderr above"


def test_exported_package_matches_notebooks(tmp_path):
    "nbdev_export of the notebooks, in a copy of the repository, reproduces the committed package exactly"
    copy = tmp_path/'repo'
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns('.git', '__pycache__', '*.egg-info', 'reproduce-*', '_proc', '.pytest_cache'))
    r = subprocess.run(['nbdev_export'], cwd=copy, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ours = {p.name: p.read_text() for p in (REPO/'neuralrank').glob('*.py')}
    exported = {p.name: p.read_text() for p in (copy/'neuralrank').glob('*.py')}
    assert exported == ours, sorted(k for k in exported.keys() | ours.keys() if exported.get(k) != ours.get(k))


def test_cli_knows_no_paper_by_name():
    "The command line asks the registered papers; it never imports a paper module itself"
    import ast
    tree = ast.parse((REPO/'neuralrank'/'cli.py').read_text())
    mods = [n.module or '' for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
           [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert mods and not [m for m in mods if 'paper_' in m], mods
    assert 'paper_' not in (REPO/'neuralrank'/'cli.py').read_text().replace('paper_of', '')


def test_modules_import_only_notebooks_above_them():
    "Notebooks are numbered in dependency order: a module imports only modules of lower-numbered notebooks, at its top"
    import ast, re
    number = {}
    for p in (REPO/'neuralrank').glob('*.py'):
        m = re.search(r'File to edit: \.\./nbs/(\d+)_\w+\.ipynb', p.read_text())
        if m: number[p.stem] = int(m.group(1))
    assert len(number) >= 20 and len(set(number.values())) == len(number)  # distinct numbers
    for mod, n in number.items():
        tree = ast.parse((REPO/'neuralrank'/f'{mod}.py').read_text())
        top = {node for node in tree.body if isinstance(node, ast.ImportFrom)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level != 1 or not node.module: continue
            dep = node.module.split('.')[0]
            if dep not in number: continue
            assert node in top, f"{mod} imports {dep} inside a function: a hidden circle?"
            assert number[dep] < n, f"{mod} ({n:02d}) imports {dep} ({number[dep]:02d}), a notebook after it"
