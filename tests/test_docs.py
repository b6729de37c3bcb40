"`neuralrank docs`: the library notebooks as HTML pages with an index, and its one-line errors."
import re
from conftest import cli, REPO


def test_docs_renders_every_library_notebook(tmp_path):
    "--no-execute renders the notebooks as saved (the notebooks' own test, 09_report, runs `build_docs` with execution)"
    r = cli('docs', '--out', tmp_path/'docs', '--no-execute')
    assert r.returncode == 0, r.stderr
    names = sorted(p.stem for p in (REPO/'nbs').glob('*.ipynb'))
    index = (tmp_path/'docs'/'index.html').read_text()
    for n in names:
        page = (tmp_path/'docs'/f'{n}.html').read_text()
        assert f"href='{n}.html'" in index and '<html' in page, n
    titles = re.findall(r"<a href='[^']+\.html'>([^<]+)</a>", index)
    assert len(titles) == len(names) and all(titles), titles  # each notebook's H1 title
    assert 'failed' not in index


def test_docs_refuses_a_file_as_folder(tmp_path):
    (tmp_path/'f').write_text('x')
    r = cli('docs', '--out', tmp_path/'f')
    assert r.returncode == 2 and r.stderr.startswith('neuralrank: error: docs folder') and 'is a file' in r.stderr


def _outputs(nb):
    return [o for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', [])]


def _text(o):
    return ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) + ''.join(o.get('data', {}).get('text/html', ''))


def test_library_notebooks_carry_outputs_that_do_not_churn():
    "Saved by `neuralrank docs --save-outputs`: every notebook shows something, nothing failed, no temporary paths or widgets"
    import json
    for p in sorted((REPO/'nbs').glob('*.ipynb')):
        outs = _outputs(json.loads(p.read_text()))
        assert outs, f'{p.name} carries no outputs: run `neuralrank docs --save-outputs`'
        assert not [o for o in outs if o['output_type'] == 'error'], f'{p.name} was saved with an error'
        for o in outs:
            t = _text(o)
            assert not re.search(r'/tmp/|ipykernel_\d+', t), (p.name, t[:200])  # a run's own paths change every run
            assert 'application/vnd.jupyter.widget-view+json' not in o.get('data', {}), p.name  # widget ids are random


def test_readme_data_section_lists_every_data_set():
    "The README's data section names every data set the package knows, its place in the data root and how to get it"
    from neuralrank.data import DATASETS
    readme = (REPO/'README.md').read_text()
    section = readme[readme.index('## Data\n'):readme.index('\n## ', readme.index('## Data\n') + 1)]
    rows = {l.split('|')[1] for l in section.splitlines() if l.startswith('| `')}
    for name, d in DATASETS.items():
        assert any(f'`{name}`' in r for r in rows), name
        for f in d.found:  # every place it can be found is the one the README gives
            for p in ((f,) if isinstance(f, str) else f): assert p.split('/')[0] + '/' in section, (name, p)


def test_readme_is_a_users_page():
    "The README stays a user's page: under 16 KB, what is for developers in CONTRIBUTING.md"
    readme, contributing = (REPO/'README.md').read_text(), (REPO/'CONTRIBUTING.md').read_text()
    assert len(readme.encode()) < 16_000 and '(CONTRIBUTING.md)' in readme and 'python -m pytest' in readme
    assert 'Adding a paper' in contributing and 'The shape of the code' in contributing


def test_packaged_reference_verdicts_are_the_stored_results():
    "neuralrank/reference.json, shown beside a user's verdicts, is regenerated whenever results/ changes"
    import json
    from neuralrank.report import load_reference_verdicts, reference_verdicts
    stored, text = load_reference_verdicts(), lambda d: json.dumps(d, sort_keys=True)  # as text: NaN equals NaN
    assert text(stored) == text(reference_verdicts(REPO/'results')), \
        "results/ changed: run python -c \"from pathlib import Path; from neuralrank.report import " \
        "write_reference_verdicts; write_reference_verdicts(Path('results'))\""
    assert {'quick', 'quick-seed10'} <= set(stored) and stored['quick']['claims']
