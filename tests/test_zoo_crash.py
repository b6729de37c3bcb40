"Crash safety of the zoo: killing training at any moment never leaves a file that loads wrong, and the next run finishes only what is missing."
import os, random, signal, subprocess, sys, textwrap, time
from pathlib import Path
import torch
from neuralrank.zoo import ModelZoo, ModelSpec

SPECS = "[ModelSpec('mnist', '0-4', train_size=2000, epochs=3, seed=s) for s in range(3)]"
SCRIPT = textwrap.dedent(f"""
    import sys
    from neuralrank.zoo import ModelZoo, ModelSpec
    ModelZoo(sys.argv[1], device='cpu', eval_limit=200, progress=False).ensure({SPECS})
""")
specs = eval(SPECS)


def start(folder):
    return subprocess.Popen([sys.executable, '-c', SCRIPT, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(pred, proc, timeout=120):
    t0 = time.time()
    while not pred():
        assert proc.poll() is None, f"training ended early: {proc.stderr.read().decode()[-2000:]}"
        assert time.time() - t0 < timeout, 'timed out'
        time.sleep(0.05)


def kill(proc):
    proc.send_signal(signal.SIGKILL); proc.wait()


def assert_everything_loads(folder):
    "Every model with metadata loads and matches its hash; every other file is whole (a checkpoint whose metadata was not yet written)"
    zoo = ModelZoo(folder, device='cpu', progress=False)
    keys = [p.stem for p in Path(folder).glob('*.json')]
    for k in keys: zoo.load(k)
    for p in Path(folder).glob('*.pt'):
        if p.stem not in keys: torch.load(p, map_location='cpu', weights_only=True)  # atomic writes: never half a file
    return keys


def test_killed_between_models_resumes_without_retraining(tmp_path):
    folder = tmp_path/'zoo'
    proc = start(folder)
    wait_for(lambda: len(list(folder.glob('*.json'))) >= 1, proc)
    kill(proc)
    done = assert_everything_loads(folder)
    assert 1 <= len(done) < 3
    mtimes = {k: (folder/f'{k}.json').stat().st_mtime_ns for k in done}
    zoo = ModelZoo(folder, device='cpu', eval_limit=200, progress=False)
    zoo.ensure(specs)
    assert all(zoo.has(s) for s in specs)
    assert {k: (folder/f'{k}.json').stat().st_mtime_ns for k in done} == mtimes  # finished models were not retrained


def test_killed_mid_model_resumes_to_identical_weights(tmp_path):
    "Resuming from the last finished epoch gives exactly the weights of an uninterrupted run (CPU)"
    folder = tmp_path/'zoo'
    proc = start(folder)
    part = folder/f'{specs[0].key}.partial.pt'
    wait_for(part.exists, proc)
    kill(proc)
    assert not (folder/f'{specs[0].key}.json').exists()
    torch.load(part, weights_only=True)  # the partial checkpoint itself is whole
    resumed = ModelZoo(folder, device='cpu', eval_limit=200, progress=False).get(specs[0])
    straight = ModelZoo(tmp_path/'ref', device='cpu', eval_limit=200, progress=False).get(specs[0])
    for a, b in zip(resumed.state_dict().values(), straight.state_dict().values()): assert torch.equal(a, b)
    assert not part.exists()


def test_random_kills_never_corrupt(tmp_path):
    folder, rng = tmp_path/'zoo', random.Random(0)
    for _ in range(5):
        proc = start(folder)
        time.sleep(rng.uniform(2.5, 6.0))
        kill(proc)
        assert_everything_loads(folder)
    zoo = ModelZoo(folder, device='cpu', eval_limit=200, progress=False)
    zoo.ensure(specs)
    assert sorted(assert_everything_loads(folder)) == sorted(s.key for s in specs)
    assert not list(folder.glob('.*.tmp-*')) and not list(folder.glob('*.partial.pt'))
