"""Two `neuralrank reproduce` runs, claim by claim: do their verdicts survive a change of model seeds?

    python benchmarks/compare_runs.py RUN_A RUN_B [--markdown]

Matches the claims of the two runs by report and claim text and prints: how many verdicts differ, how many flip between
held and did not hold (a claim that holds in one run and fails in the other), and, among the claims decided on two or
more replicates in both runs, how many have 95% intervals that overlap. Run it on two runs that differ only in `--seed`
(e.g. 0 and 10, whose model seeds are disjoint); `--markdown` prints the same as a section for RESULTS.md."""
import json, sys
from pathlib import Path


def claims_of(run:Path) -> dict:
    "(report stem, claim text) -> claim, for one run folder"
    return {(p.parent.name, c['claim']): c for p in sorted(Path(run).glob('*/report.json'))
            for c in json.loads(p.read_text())['claims']}


def overlap(a:dict, b:dict) -> bool:
    "Do two claims' 95% intervals share a point?"
    (alo, ahi), (blo, bhi) = a['interval'], b['interval']
    return max(alo, blo) <= min(ahi, bhi)


def compare(run_a:Path, run_b:Path) -> dict:
    a, b = claims_of(run_a), claims_of(run_b)
    both = sorted(a.keys() & b.keys())
    differ = [k for k in both if a[k]['verdict'] != b[k]['verdict']]
    flips = [k for k in differ if {a[k]['verdict'], b[k]['verdict']} == {'held', 'did not hold'}]
    finite = lambda c: all(v == v and abs(v) != float('inf') for v in c['interval'])
    replicated = [k for k in both if a[k]['replicates'] >= 2 and b[k]['replicates'] >= 2 and finite(a[k]) and finite(b[k])]
    apart = [k for k in replicated if not overlap(a[k], b[k])]
    return {'a': a, 'b': b, 'both': both, 'only': sorted(a.keys() ^ b.keys()), 'differ': differ, 'flips': flips,
            'replicated': replicated, 'apart': apart}


def _iv(c:dict) -> str:
    f = lambda v: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:+.3g}"
    lo, hi = c['interval']
    return f"{f(lo)}..{f(hi)}" if lo == lo else 'n/a'


def report(run_a:Path, run_b:Path, markdown:bool=False) -> str:
    r = compare(run_a, run_b)
    a, b = r['a'], r['b']
    n, rep = len(r['both']), len(r['replicated'])
    share = f"{rep - len(r['apart'])} of {rep} ({(rep - len(r['apart']))/rep:.0%})" if rep else 'none'
    lines = [f"{'## ' if markdown else ''}{Path(run_a).name} against {Path(run_b).name}", '',
             f"- claims in both runs: {n}" + (f" ({len(r['only'])} in one run only)" if r['only'] else ''),
             f"- verdicts that differ: {len(r['differ'])}; of them held in one run and did not hold in the other: "
             f"{len(r['flips'])}",
             f"- claims decided on two or more replicates in both runs whose 95% intervals overlap: {share}", '']
    rows = sorted(set(r['differ']) | set(r['apart']))
    if rows:
        lines += ['| report | claim | ' + Path(run_a).name + ' | ' + Path(run_b).name + ' | intervals overlap |',
                  '|---|---|---|---|---|']
        lines += [f"| {s} | {t} | {a[(s, t)]['verdict']} [{_iv(a[(s, t)])}] | {b[(s, t)]['verdict']} "
                  f"[{_iv(b[(s, t)])}] | {'yes' if overlap(a[(s, t)], b[(s, t)]) else '**no**'} |" for s, t in rows]
    return '\n'.join(lines)


if __name__ == '__main__':
    args = [x for x in sys.argv[1:] if not x.startswith('--')]
    if len(args) != 2: sys.exit(__doc__)
    print(report(Path(args[0]), Path(args[1]), '--markdown' in sys.argv))
