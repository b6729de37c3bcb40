"""The shape of the source notebooks and the exported code: how long the exported cells are, how many definitions
each holds, whether a test or example sits right below, how many cells keep their outputs, public names per notebook,
and the style counts (long lines, semicolons, public names without a docstring).

    python benchmarks/notebook_shape.py [NOTEBOOK_FOLDER ...]   # default: nbs/

Issue 21 compares these with fastcore's nbs/01_basics.ipynb, claudette's nbs/00_core.ipynb and nbdev's nbs/api/;
give their folders to measure them the same way.
"""
import ast, importlib, io, json, sys, tokenize
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def _src(cell) -> str:
    s = cell['source']
    return ''.join(s) if isinstance(s, list) else s


def _directives(src:str) -> set:
    "The cell's nbdev directives (`#| export` -> 'export')"
    return {l.lstrip('#| ').split()[0] for l in src.splitlines() if l.startswith('#|') and l[2:].strip()}


def _is_export(src:str) -> bool: return bool(_directives(src) & {'export', 'exports'})


def _body(src:str) -> list:
    "The cell's lines without directives and blank lines"
    return [l for l in src.splitlines() if l.strip() and not l.startswith('#|')]


def _definitions(src:str) -> list:
    "Names a cell defines at top level: functions, classes, and assigned names (imports are not definitions)"
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return []
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out += [t.id for t in targets if isinstance(t, ast.Name)]
    return out


def notebook_shape(paths:list) -> dict:
    "The cell measurements over every notebook in `paths`"
    lines, defs, below, public_below, with_out, code, names = [], [], [], [], 0, 0, {}
    for p in paths:
        cells = [c for c in json.loads(Path(p).read_text())['cells'] if c['cell_type'] == 'code']
        code += len(cells)
        with_out += sum(bool(c.get('outputs')) for c in cells)
        public = set()
        for i, c in enumerate(cells):
            s = _src(c)
            if not _is_export(s): continue
            d = _definitions(s)
            public |= {n for n in d if not n.startswith('_')}
            if not d: continue
            lines.append(len(_body(s)))
            defs.append(len(d))
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            below.append(nxt is not None and not _is_export(_src(nxt)))
            if any(not n.startswith('_') for n in d): public_below.append(below[-1])
        names[Path(p).stem] = len(public)
    l = np.array(lines)
    return {'notebooks': len(paths), 'exported cells with definitions': len(l),
            'exported cell lines median': float(np.median(l)), 'p90': float(np.quantile(l, 0.9)), 'max': int(l.max()),
            'definitions per exported cell': round(float(np.mean(defs)), 2), 'most in one cell': int(max(defs)),
            'a test or example right below': f"{100*np.mean(below):.0f}%",
            '... of the cells defining a public name': f"{100*np.mean(public_below):.0f}%",
            'code cells with outputs': f"{with_out} of {code}",
            'public names per notebook (min / median / max)': (min(names.values()), int(np.median(list(names.values()))),
                                                                 max(names.values())),
            'largest': sorted(names.items(), key=lambda kv: -kv[1])[:4]}


def _semicolons(src:str) -> int:
    "Statements chained with `;` (tokens, so a semicolon inside a string does not count)"
    try: return sum(t.type == tokenize.OP and t.string == ';' for t in tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, SyntaxError): return 0


def _generated(src:str) -> set:
    "Line numbers nbdev writes itself: the module docstring (the notebook's summary) and `__all__`"
    tree = ast.parse(src)
    nodes = [n for n in tree.body[:1] if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)]
    nodes += [n for n in tree.body if isinstance(n, ast.Assign) and any(getattr(t, 'id', '') == '__all__' for t in n.targets)]
    return {i for n in nodes for i in range(n.lineno, n.end_lineno + 1)}


def _long_lines(src:str, limit:int=120) -> list:
    "Line numbers of lines of `limit` characters or more, nbdev's generated lines aside"
    skip = _generated(src)
    return [i + 1 for i, l in enumerate(src.splitlines()) if len(l) >= limit and i + 1 not in skip]


def code_style(package:Path) -> dict:
    "Long lines, semicolon-chained statements and public names without a docstring in the exported package"
    files = [f for f in sorted(package.glob('*.py')) if not f.name.startswith('_')]
    long = [(f.name, i) for f in files for i in _long_lines(f.read_text())]
    semi = sum(_semicolons(f.read_text()) for f in files)
    undocumented = []
    for f in files:
        mod = importlib.import_module(f'{package.name}.{f.stem}')
        for n in getattr(mod, '__all__', []):
            obj = getattr(mod, n)
            if callable(obj) and getattr(obj, '__module__', None) == mod.__name__ and not (obj.__doc__ or '').strip():
                undocumented.append(f'{f.stem}.{n}')
    return {'lines of 120 characters or more (nbdev\'s module docstring and __all__ aside)': len(long),
            'longest at': long[:8], 'semicolons': semi,
            'public functions and classes without a docstring': len(undocumented), 'examples': undocumented[:8]}


if __name__ == '__main__':
    folders = [Path(a) for a in sys.argv[1:]] or [REPO/'nbs']
    paths = sorted(p for f in folders for p in f.glob('*.ipynb'))
    for k, v in notebook_shape(paths).items(): print(f'{k}: {v}')
    if not sys.argv[1:]:
        sys.path.insert(0, str(REPO))
        for k, v in code_style(REPO/'neuralrank').items(): print(f'{k}: {v}')
