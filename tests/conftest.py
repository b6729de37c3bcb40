"Shared fixtures: the data root, a small trained zoo, and a helper that runs the `neuralrank` command."
import io, os, shutil, subprocess, sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parent.parent
# notebooks run in other working directories (nbs/, report folders): make a relative data root absolute
os.environ['NEURALRANK_DATA'] = str(Path(os.environ.get('NEURALRANK_DATA', REPO.parent/'shared'/'data')).resolve())


def cli_process(*args, env=None, timeout=2400):
    "Run `neuralrank ARGS` in a subprocess; return the CompletedProcess (text output): for what only a real process shows"
    exe = [shutil.which('neuralrank')] if shutil.which('neuralrank') else [sys.executable, '-m', 'neuralrank.cli']
    return subprocess.run([*exe, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


@contextmanager
def environ(extra:dict|None):
    "os.environ with `extra` set, restored afterwards"
    saved = dict(os.environ)
    os.environ.update({k: str(v) for k, v in (extra or {}).items()})
    try: yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def cli(*args, env=None):
    """Run `neuralrank ARGS` through `neuralrank.cli.main` in this process, output captured; the same result as a
    subprocess without the 4-5 s of starting Python and importing torch (an exception that escapes `main`, which
    would be a traceback in a real run, fails the test)"""
    from neuralrank.cli import main
    out, err = io.StringIO(), io.StringIO()
    with environ(env), redirect_stdout(out), redirect_stderr(err):
        try: code = main(list(map(str, args)))
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
    return subprocess.CompletedProcess(['neuralrank', *map(str, args)], code, out.getvalue(), err.getvalue())




@pytest.fixture(scope='session')
def small_zoo(tmp_path_factory):
    "A zoo folder with three quickly trained models: F0-4, M0-4 and the lite F0-4"
    from neuralrank.zoo import ModelZoo, ModelSpec
    folder = tmp_path_factory.mktemp('zoo')
    zoo = ModelZoo(folder, device='cpu', eval_limit=300, progress=False)
    specs = [ModelSpec('fashion', '0-4', train_size=1500, epochs=1), ModelSpec('mnist', '0-4', train_size=1500, epochs=1),
             ModelSpec('fashion', '0-4', arch='lite', train_size=1500, epochs=1)]
    zoo.ensure(specs)
    return folder, specs


@pytest.fixture(scope='session')
def smoke_run(tmp_path_factory):
    "One smoke `reproduce` of every report from an empty zoo, in this process's way (no cluster), shared by the tests"
    tmp = tmp_path_factory.mktemp('reproduce')
    r = cli_process('reproduce', '--profile', 'smoke', '--out', tmp/'out', '--zoo', tmp/'zoo', '--device', 'cpu')
    return tmp, r
