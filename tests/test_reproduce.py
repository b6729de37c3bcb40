"`neuralrank reproduce` end to end with papermill (smoke profile), its index, and its behaviour when a report fails."
import json, math, os, re, shutil
from pathlib import Path
import nbformat
import pytest
from conftest import cli, REPO
from neuralrank.verdicts import VERDICTS, CAUSES, MEASURED, MIN_SEEDS, mean_interval, verdict_of
from neuralrank.report import THRESHOLD_FROM

REPORTS = ['neurons_table1', 'neurons_figure_filters', 'neurons_table2', 'neuralrank_figure2', 'neuralrank_figure3', 'neuralrank_table2', 'neuralrank_table3',
           'neuralrank_table4', 'neuralrank_table5', 'neuralrank_table6', 'neuralrank_estimators',
           'sampling_figure4', 'sampling_table4', 'sampling_figure5', 'sampling_figure6', 'sampling_figure7',
           'sampling_baselines']


def test_smoke_reproduce_runs_every_report(smoke_run):
    tmp, r = smoke_run
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp/'out'
    index = (out/'index.md').read_text()
    assert f'{len(REPORTS)} of {len(REPORTS)} reports ran' in index and (out/'index.html').exists()
    assert re.search(r'held \d+, did not hold \d+, inconclusive \d+ of \d+ claims', index) and '95% interval' in index
    assert "The paper's: held" in index and '; ours: held' in index and '; on substituted data: held' in index  # counted apart
    for name in REPORTS:
        d = out/name
        rep = json.loads((d/'report.json').read_text())
        assert rep['setup']['profile'] == 'smoke'
        assert rep['claims'] and all(c['evidence'] for c in rep['claims'])
        assert rep['replication'].get('replicated'), name  # every report says what it replicated
        for c in rep['claims']:  # every claim is decided by the shared machinery: a verdict, an interval, replicates, a cause for a miss
            assert c['verdict'] in VERDICTS and len(c['interval']) == 2 and c['replicates'] >= 1 and len(c['values']) >= 1, (name, c)
            assert all(math.isfinite(v) for v in c['interval']) or c['replicates'] < 5, (name, c)
            assert '95% interval' in c['evidence'] or 'exact' in c['evidence'], (name, c['evidence'])
            assert (c['cause'] is None) == (c['verdict'] == 'held') and (c['cause'] is None or c['cause'].split(':')[0] in CAUSES), (name, c)
            assert c['cause'] is None or c['cause'].split(':')[0] not in MEASURED or ': ' in c['cause'], (name, c)  # never a bare guess
            assert c['whose'] in ('paper', 'ours') and (c['substituted'] is None) == ('galaxy-zoo1' not in c['claim']), (name, c)
            # the paper's claims quote the sentence they test and say where their threshold comes from; ours quote nothing
            assert bool(c['quote']) == (c['whose'] == 'paper') and c['threshold_from'].split(':')[0] in THRESHOLD_FROM, (name, c)
            if c['threshold_from'].startswith('ours') and c['whose'] == 'paper': assert ': ' in c['threshold_from'], (name, c)
            if c['evidence'].count('model seeds on the claim') == 1 and not c['verdict'] == 'held':  # one smoke seed decides nothing
                assert c['cause'] == 'model seeds: 1 of the 3 that decide anything' and c['replicates'] == 1 and len(c['per_seed']) == 1, (name, c)
        assert any(f.endswith('.png') for f in rep['files']) and any(f.endswith('.csv') for f in rep['files'])
        for f in rep['files']: assert (d/f).stat().st_size > 0, f
        assert f'{name}.ipynb' in index and (d/f'{name}.ipynb').exists()
        page = (d/f'{name}.html').read_text()  # the executed report as a page a browser shows, linked from both indexes
        assert f'({name}/{name}.html)' in index and f"href='{name}/{name}.html'" in (out/'index.html').read_text()
        assert page.count('data:image/png;base64') >= sum(f.endswith('.png') for f in rep['files']), name  # its figures, embedded
        nb = nbformat.read(d/f'{name}.ipynb', as_version=4)
        injected = [c for c in nb.cells if 'injected-parameters' in c.metadata.get('tags', [])]
        assert injected and "profile = \"smoke\"" in injected[0].source and 'progress = False' in injected[0].source
    labels = [json.loads(p.read_text())['label'] for p in (tmp/'zoo').glob('*.json')]
    assert len(labels) == 23 + 3 + 2 + 14 + 2  # neuralRank's 23; two LeNet-5s and a VGG-16; the authors' two LeNet-5s; 2 x 5 + 4 pruned and retrained; the sampling paper's two
    assert sum(l.endswith("LeNet-5 (authors')") for l in labels) == 2, labels
    assert sum(l.endswith('LeNet-5-BN') for l in labels) == 1 and sum(l.endswith('GalaxyCNN') for l in labels) == 1, labels
    assert sum('LeNet-5+prune' in l for l in labels) == 10 and sum('VGG-16+prune' in l for l in labels) == 4
    assert sum(l.endswith('(low lr recipe)') for l in labels) == 5  # LeNet-5 retrained by both recipes, VGG-16 by the paper's
    # reports come grouped under their paper, in the paper's order
    assert index.index('## neuralRank') < index.index('### Table 2') < index.index('### Table 4') < index.index('### Figure 2') < index.index('### Table 6') < index.index('### Beyond the paper')
    assert 'zoo models this paper' in index and '| C10 | cnn | cifar10 |' in index  # each paper's zoo with its test accuracies
    assert index.index('## Neuron ranking') < index.index('### Table 1: the most important units') < index.index('### Figure: feature maps') < index.index('### Table 2: compression')
    assert index.index('## Sampling') < index.index('### Figure 4: S1-S3') < index.index('### Table IV') < index.index('### Figure 5: S1') < index.index('### Figure 7: time')
    assert 'Galaxy Zoo 1' in (out/'sampling_figure4'/'sampling_figure4.ipynb').read_text()  # said in every Galaxy Zoo report


def test_verdicts_follow_from_the_tables(smoke_run):
    "A verdict recomputed from the CSV and the stored replicates the report wrote agrees with the one in the index"
    import pandas as pd
    from scipy.stats import kendalltau
    from neuralrank.paper_neuralrank_claims import claim_top_within
    out = smoke_run[0]/'out'/'neuralrank_table4'
    t = pd.read_csv(out/'table4.csv', index_col=0)
    rep = json.loads((out/'report.json').read_text())
    claims = rep['claims']
    assert abs(claims[0]['estimate'] - kendalltau(t.SC, t.accuracy).statistic) < 1e-9  # one model seed: the full-set tau
    assert claims[0]['values'] == [claims[0]['estimate']] and len(claims[0]['per_seed'][0]) == rep['setup']['replicates']  # its subsamples beside it
    iv = mean_interval(claims[0]['values'])
    assert math.isnan(claims[0]['interval'][0]) and math.isnan(iv[0])  # one model seed has no interval ...
    assert claims[0]['verdict'] == verdict_of(iv, 0., enough=len(claims[0]['values']) >= MIN_SEEDS) == 'inconclusive'  # ... and decides nothing
    assert abs(claims[2]['estimate'] - claim_top_within(t).estimate) < 1e-9  # claims[1] is Table 4's out-of-domain claim
    est = smoke_run[0]/'out'/'neuralrank_estimators'
    agree = pd.read_csv(est/'estimators_agreement.csv', index_col=[0, 1])
    claims = json.loads((est/'report.json').read_text())['claims']
    hits = agree.top1.groupby(level=1).sum()
    assert claims[1]['estimate'] in {hits['silhouette'] - hits[e] for e in hits.index if e != 'silhouette'}  # the part that decided it
    assert all(f'silhouette minus {e}, targets won' in claims[1]['evidence'] for e in hits.index if e != 'silhouette')  # each pair apart
    assert len(agree) == 4*8 and set(agree.index.get_level_values(1)) == {'silhouette', 'logme', 'hscore', 'hscore_shrinkage', 'knn', 'nleep', 'parc', 'leep'}
    from neuralrank.paper_neurons_claims import claim_counts
    t2 = pd.read_csv(smoke_run[0]/'out'/'neurons_table2'/'table2.csv', index_col=[0, 1])
    claims = json.loads((smoke_run[0]/'out'/'neurons_table2'/'report.json').read_text())['claims']
    lenet = t2.loc['LeNet-5, low lr recipe']  # the last recipe's rows decide the count claims
    assert (lenet.lowest <= lenet['error %']).all() and (lenet['error %'] <= lenet.highest).all()
    best = min(('shapley', 'switches'), key=lambda m: lenet.loc[m, 'error %'])
    counts = next(c for c in claims if '137K FLOPs' in c['claim'])
    valid = {'parameters': int(lenet.loc[best, 'parameters']), 'multiply-adds': int(lenet.loc[best, 'multiply-adds'])}
    assert f"valid layout: parameters {valid['parameters']:,} against the paper's 17,000" in counts['evidence']
    assert counts['verdict'] == claim_counts({'valid': valid}, {'parameters': 17_000, 'multiply-adds': 137_000}).verdict == 'did not hold'
    assert counts['cause'].startswith('paper: no layout of LeNet-5 fits both')  # a cause names its measurement


def test_seeds_train_each_seed_and_replicate_over_them(smoke_run, tmp_path):
    "--seeds 2 on a zoo holding seed 0's models: those are used as stored, seed 1's are trained, and the claims are decided over both"
    zoo = tmp_path/'zoo'
    zoo.mkdir()
    for j in (smoke_run[0]/'zoo').glob('*.json'):
        m = json.loads(j.read_text())
        if m['spec']['arch'] in ('galaxy', 'lenet5bn'):
            for f in (j, j.with_name(m['checkpoint'])): shutil.copy2(f, zoo/f.name)
    stored = {p.name: p.stat().st_mtime_ns for p in zoo.iterdir()}
    r = cli('reproduce', '--profile', 'smoke', '--seeds', '2', '--only', 'sampling:table4', '--out', tmp_path/'out', '--zoo', zoo, '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(stored) == 4 and '4 models for sampling (smoke profile), 2 to train' in r.stderr, r.stderr
    assert {n: (zoo/n).stat().st_mtime_ns for n in stored} == stored  # seed 0's models read, never rewritten
    specs = [json.loads(p.read_text())['spec'] for p in zoo.glob('*.json')]
    assert sorted((s['arch'], s['seed']) for s in specs) == [('galaxy', 0), ('galaxy', 1), ('lenet5bn', 0), ('lenet5bn', 1)]
    rep = json.loads((tmp_path/'out'/'sampling_table4'/'report.json').read_text())
    assert rep['setup']['seeds'] == [0, 1] and '2 (0, 1)' in rep['replication']['replicated']['model seeds']
    for c in rep['claims']:  # decided over the two model seeds, the sampling seeds inside each; two seeds decide nothing
        assert c['replicates'] == 2 and [len(s) for s in c['per_seed']] == [rep['setup']['replicates']]*2, c
        assert all(math.isfinite(v) for v in c['interval']) and c['verdict'] == 'inconclusive' and c['cause'] == 'model seeds: 2 of the 3 that decide anything', c
    assert "model seeds: `2`" in (tmp_path/'out'/'index.md').read_text()


SAMPLING = [n for n in REPORTS if n.startswith('sampling_')]


def _root_with(tmp_path, *folders):
    "A data root holding only these folders of the shared one (linked, not copied)"
    root = tmp_path/'data'
    root.mkdir()
    for f in folders: (root/f).symlink_to(Path(os.environ['NEURALRANK_DATA'])/f)
    return root


def test_missing_galaxy_data_costs_only_its_parts(tmp_path):
    "A data root with MNIST and no galaxy data: every sampling report runs its MNIST parts, the galaxy claims are not run"
    root = _root_with(tmp_path, 'MNIST')
    r = cli('reproduce', '--profile', 'smoke', '--only', ','.join(SAMPLING), '--data-root', root, '--out', tmp_path/'out',
            '--zoo', tmp_path/'zoo', '--device', 'cpu')
    assert r.returncode == 3, r.stderr[-3000:]  # ran, but not everything: said by the exit status ...
    assert re.search(r"neuralrank: \d+ claims not run: dataset 'galaxy-zoo2' was not found in the data root", r.stderr), r.stderr
    assert 'kaggle.com' in r.stderr and 'Traceback' not in r.stderr  # ... and how to get the paper's data
    index = (tmp_path/'out'/'index.md').read_text()
    assert f'{len(SAMPLING)} of {len(SAMPLING)} reports ran' in index and '**Data not found: galaxy-zoo2.**' in index
    for name in SAMPLING:
        rep = json.loads((tmp_path/'out'/name/'report.json').read_text())
        assert rep['claims'] and all('(mnist' in c['claim'] for c in rep['claims']), name  # the MNIST parts ran
        assert rep['not run'] and all(u['data'] == 'galaxy-zoo2' and '(galaxy-zoo2' in u['claim'] for u in rep['not run'])
        assert all(u['reason'].startswith(f"not run: dataset 'galaxy-zoo2' was not found in the data root {root}")
                   and 'To get it' in u['reason'] for u in rep['not run']), rep['not run']
        assert len(rep['not run']) == len(rep['claims']), name  # one galaxy claim for each MNIST claim
    assert [json.loads(p.read_text())['spec']['arch'] for p in (tmp_path/'zoo').glob('*.json')] == ['lenet5bn']


def test_galaxy_zoo2_claims_are_the_papers_own(tmp_path):
    "With Galaxy Zoo 2 in the data root (Kaggle's layout), `auto` samples it and its claims are the paper's, not substituted"
    from neuralrank.data import write_gz2_sample
    root = _root_with(tmp_path, 'MNIST', 'galaxy-zoo1')
    write_gz2_sample(root, 400)
    r = cli('reproduce', '--profile', 'smoke', '--only', 'sampling_table4', '--data-root', root, '--out', tmp_path/'out',
            '--zoo', tmp_path/'zoo', '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    rep = json.loads((tmp_path/'out'/'sampling_table4'/'report.json').read_text())
    assert rep['setup']['galaxy_data'] == 'galaxy-zoo2' and 'galaxy_data: `galaxy-zoo2`' in (tmp_path/'out'/'index.md').read_text()
    gz2 = [c for c in rep['claims'] if 'galaxy-zoo2' in c['claim']]
    assert gz2 and all(c['substituted'] is None for c in gz2) and not rep['not run']
    assert [c['whose'] for c in gz2] == ['paper', 'ours']  # the paper's claim, and the same with our 2,000-item fit
    r = cli('reproduce', '--profile', 'smoke', '--only', 'sampling_table4', '--data-root', root, '--out', tmp_path/'out1',
            '--zoo', tmp_path/'zoo', '--device', 'cpu', '--galaxy-data', 'galaxy-zoo1')  # chosen by hand: it stands in
    rep = json.loads((tmp_path/'out1'/'sampling_table4'/'report.json').read_text())
    assert r.returncode == 0 and {c['substituted'] for c in rep['claims'] if 'galaxy' in c['claim']} == {'Galaxy Zoo 1 for Galaxy Zoo 2'}


def test_failing_report_is_named_and_others_still_run(tmp_path):
    reports = tmp_path/'reports'; reports.mkdir()
    for name, code in (('demo_good', "from neuralrank.report import ReportWriter\nrw = ReportWriter(out_dir, 'demo_good', 'Good')\n"
                                     "from neuralrank.verdicts import decide\nrw.claim('T', 'works', decide([1.]*5), whose='ours'); rw.save()"),
                       ('demo_bad', "raise RuntimeError('this report is broken')")):
        nb = nbformat.v4.new_notebook(metadata={'kernelspec': {'name': 'python3', 'language': 'python', 'display_name': 'python3'}})
        p = nbformat.v4.new_code_cell("out_dir = 'x'\nprofile = 'smoke'"); p.metadata['tags'] = ['parameters']
        nb.cells = [p, nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, reports/f'{name}.ipynb')
    r = cli('reproduce', '--profile', 'smoke', '--out', tmp_path/'out', env={'NEURALRANK_REPORTS': str(reports)})
    assert r.returncode == 1
    assert 'demo_bad' in r.stderr.splitlines()[-1] and 'this report is broken' in r.stderr
    index = (tmp_path/'out'/'index.md').read_text()
    assert '1 of 2 reports ran' in index and '**FAILED**' in index and 'held 1, did not hold 0, inconclusive 0 of 1 claims' in index


def test_unknown_report_name():
    r = cli('reproduce', '--profile', 'smoke', '--only', 'table99')
    assert r.returncode == 2 and 'unknown report' in r.stderr


def test_ambiguous_report_name_is_refused(tmp_path):
    "With two papers that both have a table2, a bare `table2` is refused with the list of matches"
    import shutil
    reports = tmp_path/'reports'; reports.mkdir()
    for name in ('neuralrank_table2', 'other_table2'): shutil.copy(REPO/'nbs'/'reports'/'neuralrank_table2.ipynb', reports/f'{name}.ipynb')
    env = {'NEURALRANK_REPORTS': str(reports)}
    r = cli('reproduce', '--profile', 'smoke', '--only', 'table2', '--out', tmp_path/'out', env=env)
    assert r.returncode == 2 and 'neuralrank_table2, other_table2' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'out').exists()  # refused before any work
    r = cli('reproduce', '--profile', 'smoke', '--only', ',', '--out', tmp_path/'out', env=env)
    assert r.returncode == 2 and 'no report names' in r.stderr


def test_report_notebooks_keep_their_parameters_cell():
    "nbdev_clean must not strip the papermill tag (settings.ini allows the `tags` metadata key)"
    for name in REPORTS:
        nb = nbformat.read(REPO/'nbs'/'reports'/f'{name}.ipynb', as_version=4)
        params = [c for c in nb.cells if 'parameters' in c.metadata.get('tags', [])]
        assert len(params) == 1, name
        for p in ('profile', 'device', 'seed', 'data_root', 'zoo_dir', 'out_dir', 'progress'): assert f'{p} =' in params[0].source


def test_report_setup_is_one_call_and_claims_use_claim_functions():
    "Each report's code is its setup call and the paper's section: every claim is decided by a tested claim_* function"
    import re
    for name in REPORTS:
        nb = nbformat.read(REPO/'nbs'/'reports'/f'{name}.ipynb', as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == 'code' and 'parameters' not in c.metadata.get('tags', [])]
        assert sum('start_report(' in c for c in code) == 1, name
        claims = re.findall(r"(?:r\.claim|claim_both_ways)\((.*?)\)\n", '\n'.join(code) + '\n', flags=re.S)
        assert claims and all('claim_' in c and '*check_' not in c for c in claims), (name, claims)


def test_profiles_ladder_measures_scale(tmp_path):
    "--profiles smoke,full runs each profile into its own folder and the ladder's page gives a miss the cause a larger run measured"
    reports = tmp_path/'reports'; reports.mkdir()
    nb = nbformat.v4.new_notebook(metadata={'kernelspec': {'name': 'python3', 'language': 'python', 'display_name': 'python3'}})
    p = nbformat.v4.new_code_cell("out_dir = 'x'\nprofile = 'smoke'"); p.metadata['tags'] = ['parameters']
    nb.cells = [p, nbformat.v4.new_code_cell(
        "from neuralrank.report import ReportWriter\nfrom neuralrank.verdicts import decide\n"
        "rw = ReportWriter(out_dir, 'demo_grows', 'Grows', profile=profile)\n"
        "gain = {'smoke': -1., 'full': 1.}[profile]  # a claim that only a larger run holds\n"
        "rw.claim('T', 'it grows', decide([gain + d for d in (-.1, 0., .1, .05, -.05)]), whose='ours'); rw.save()")]
    nbformat.write(nb, reports/'demo_grows.ipynb')
    r = cli('reproduce', '--profiles', 'smoke,full', '--out', tmp_path/'out', env={'NEURALRANK_REPORTS': str(reports)})
    assert r.returncode == 0, r.stderr[-3000:]
    small = json.loads((tmp_path/'out'/'smoke'/'demo_grows'/'report.json').read_text())['claims'][0]
    assert small['verdict'] == 'did not hold' and small['cause'] == 'unexplained'  # alone, a run measures no cause
    page = (tmp_path/'out'/'index.md').read_text()
    assert 'did not hold [-1.1..-0.902]; scale: held at full (95% interval 0.902..1.1)' in page and (tmp_path/'out'/'ladder_other.png').exists(), page
    assert "class='badge not' href='smoke/demo_grows/demo_grows.html'" in (tmp_path/'out'/'index.html').read_text()
    r = cli('reproduce', '--profiles', 'smoke', '--out', tmp_path/'o2')
    assert r.returncode == 2 and 'two or more different profiles' in r.stderr
