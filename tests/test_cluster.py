"Dask: reproduce and rank on a real local cluster give what the in-process run gives; a worker killed mid-training loses nothing."
import json, os, shutil, signal, time
from pathlib import Path
import pytest
from conftest import cli, cli_process

pytest.importorskip('distributed')
REPORTS = 'neuralrank_table2,sampling_table4'  # figure 7 times the techniques: its tables differ every run


def _tables(run:Path) -> dict:
    "Every table a run's reports wrote (csv, md), by path within the run"
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted(run.rglob('*')) if p.suffix in ('.csv', '.md') and p.name != 'index.md'}


@pytest.fixture(scope='module')
def cluster_run(smoke_run, tmp_path_factory):
    """Two smoke reports on a 2-worker local cluster, against the shared in-process smoke run: the neuralRank models
    copied from its zoo (their seeds run on the cluster), the sampling paper's two trained there"""
    root = tmp_path_factory.mktemp('cluster')
    (root/'zoo').mkdir()
    for j in (smoke_run[0]/'zoo').glob('*.json'):
        m = json.loads(j.read_text())
        if m['spec']['arch'] not in ('galaxy', 'lenet5bn'):
            for f in (j, j.with_name(m['checkpoint'])): shutil.copy2(f, root/'zoo'/f.name)
    r = cli_process('reproduce', '--profile', 'smoke', '--only', REPORTS, '--out', root/'out', '--zoo', root/'zoo',
                    '--device', 'cpu', '--cluster', 'local:2')
    return r, root/'out'


def test_reproduce_on_a_local_cluster_gives_identical_tables(smoke_run, cluster_run):
    (tmp, a), (b, run_b) = smoke_run, cluster_run
    assert a.returncode == 0, a.stderr[-2000:]
    assert b.returncode == 0, b.stderr[-2000:]
    ta = {k: v for k, v in _tables(tmp/'out').items() if k.split('/')[0] in REPORTS.split(',')}
    tb = _tables(run_b)
    assert len(ta) >= 4 and ta.keys() == tb.keys()
    differ = [k for k in ta if ta[k] != tb[k]]
    assert not differ, differ  # byte-identical: the same models (trained per spec, deterministic) and the same report code
    assert 'on local:2' in b.stderr and '2 to train on local:2' in b.stderr  # where the work ran: the sampling models trained there
    setup = json.loads((run_b/'neuralrank_table2'/'report.json').read_text())['setup']
    assert setup['cluster'].startswith('tcp://127.0.0.1:')  # its model seeds went to the cluster too (`over_seeds`)
    assert 'cluster' not in json.loads((tmp/'out'/'neuralrank_table2'/'report.json').read_text())['setup']


def test_rank_on_a_local_cluster_matches_in_process(small_zoo):
    "One task per model on two workers: the same scores as in this process"
    zoo = small_zoo[0]
    here = cli('rank', '--zoo', zoo, '--target', 'mnist:0-4', '--limit', 200, '--json')
    there = cli('rank', '--zoo', zoo, '--target', 'mnist:0-4', '--limit', 200, '--json', '--cluster', 'local:2')
    assert here.returncode == 0 and there.returncode == 0, there.stderr[-2000:]
    a, b = json.loads(here.stdout), json.loads(there.stdout)
    assert len(a['ranking']) >= 3
    assert [(r['model'], r['score']) for r in a['ranking']] == [(r['model'], r['score']) for r in b['ranking']]


def test_a_worker_killed_during_training_loses_nothing(tmp_path):
    "Dask retries the dead worker's task on the other; the zoo ends complete, with no lock or partial file left"
    from neuralrank.cluster import DaskExecutor, train_task
    from neuralrank.zoo import ModelSpec, ModelZoo
    specs = [ModelSpec('mnist', '0-4', train_size=1500, epochs=2, seed=s) for s in range(3)]
    environ = dict(os.environ)
    with DaskExecutor('local:2') as ex:
        client = ex.client
        futures = [client.submit(train_task, str(tmp_path), s.to_dict(), 'cpu', 200, os.environ['NEURALRANK_DATA'], pure=False)
                   for s in specs]
        time.sleep(3)  # both workers are training
        pids = client.run(os.getpid)
        victim = next(iter(pids.values()))
        os.kill(victim, signal.SIGKILL)
        metas = client.gather(futures)
    assert dict(os.environ) == environ  # Dask's nanny set OMP_NUM_THREADS=1 here at every spawn: given back
    assert sorted(m['key'] for m in metas) == sorted(s.key for s in specs)
    zoo = ModelZoo(tmp_path, device='cpu', progress=False)
    assert all(zoo.checkpoint_state(zoo.meta(s.key)) == 'ok' for s in specs)
    assert not [p for pat in ('*.lock', '*.tmp*', '*.partial.pt') for p in tmp_path.glob(pat)]


def test_bad_cluster_addresses_are_one_line_errors(tmp_path):
    for bad, words in (('local:0', 'local:N needs N'), ('somewhere', 'must be local:N')):
        r = cli('rank', '--zoo', tmp_path, '--target', 'mnist', '--cluster', bad)
        assert r.returncode == 2 and r.stderr.startswith('neuralrank: error: --cluster') and words in r.stderr, r.stderr
