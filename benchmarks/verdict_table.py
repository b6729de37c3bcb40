"""The README's verdict tables, from the report.json files of one or more `neuralrank reproduce` runs.

    python benchmarks/verdict_table.py reproduce-quick [reproduce-quick-seeds3 ...]

Prints, per paper, one row per claim with each run's verdict, 95% interval, replicates and cause, and a line of
counts (held / did not hold / inconclusive, and the causes of the misses) per run."""
import json, sys
from pathlib import Path

from neuralrank.papers import registered_papers
from neuralrank.report import verdict_counts, cause_counts


def claims_of(run:Path) -> dict:
    "report stem -> its claims, for one run folder"
    return {p.parent.name: json.loads(p.read_text())['claims'] for p in sorted(run.glob('*/report.json'))}


def _cell(c:dict) -> str:
    lo, hi = c['interval']
    f = lambda v: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
    iv = f"{f(lo)}..{f(hi)}" if lo == lo else 'n/a'
    v = c['verdict'] if c['verdict'] == 'held' else f"**{c['verdict']}**"
    return f"{v} [{iv}], {c['replicates']}" + (f" ({c['cause']})" if c.get('cause') else '')


def tables(runs:list[Path]) -> str:
    data = [claims_of(r) for r in runs]
    out = []
    for paper in registered_papers().values():
        head = '| report | claim | ' + ' | '.join(r.name for r in runs) + ' |'
        rows = [head, '|' + '---|'*(2 + len(runs))]
        for stem in paper.reports:
            for i, c in enumerate(data[0].get(stem, [])):
                rows.append(f"| {stem.split('_', 1)[1]} | {c['claim']} | " + ' | '.join(_cell(d[stem][i]) if stem in d and i < len(d[stem]) else '' for d in data) + ' |')
        counts = [f"{r.name}: {verdict_counts([c for s in paper.reports for c in d.get(s, [])])}"
                  + (f" (causes: {cause_counts([c for s in paper.reports for c in d.get(s, [])])})" if cause_counts([c for s in paper.reports for c in d.get(s, [])]) else '')
                  for r, d in zip(runs, data)]
        out += [f"### {paper.title}", '', '; '.join(counts) + '.', '', *rows, '']
    return '\n'.join(out)


if __name__ == '__main__':
    print(tables([Path(a) for a in sys.argv[1:]]))
