"`neuralrank docs`: the library notebooks as HTML pages with an index, and its one-line errors."
import re
from conftest import cli, cli_inprocess, REPO


def test_docs_renders_every_library_notebook(tmp_path):
    "--no-execute renders the notebooks as saved (the notebooks' own test, 04_report, runs `build_docs` with execution)"
    r = cli_inprocess('docs', '--out', tmp_path/'docs', '--no-execute')
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
    r = cli_inprocess('docs', '--out', tmp_path/'f')
    assert r.returncode == 2 and r.stderr.startswith('neuralrank: error: docs folder') and 'is a file' in r.stderr
