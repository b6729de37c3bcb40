"""Open every HTML page of a folder in headless Chromium and save a screenshot of each: the reader's check.

    python benchmarks/screenshots.py RUN_OR_DOCS_FOLDER OUT_FOLDER [--height 2400]

A `reproduce` run's folder holds `index.html` and one page per report (in `<report>/`); a `neuralrank docs` folder
holds `index.html` and one page per library notebook. Each page is loaded from disk (its figures are embedded, so
nothing is fetched), rendered at 1280 px wide, and saved as `<page>.png`. The script prints one line per page: its
size, how many images it embeds, and whether Chromium rendered it; it exits 1 if any page failed to render.
Chromium is Debian's (`apt-get install chromium`), not part of the package.
"""
import argparse, re, shutil, subprocess, sys, tempfile
from pathlib import Path

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--hide-scrollbars',
         '--disable-background-networking', '--disable-component-update', '--disable-sync']


def screenshot(chromium:str, page:Path, png:Path, height:int) -> bool:
    "Render one page to a PNG; True when Chromium wrote it"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *FLAGS, f'--user-data-dir={profile}', f'--window-size=1280,{height}',
                        f'--screenshot={png}', page.resolve().as_uri()], capture_output=True, timeout=120)
    return png.exists() and png.stat().st_size > 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('folder', type=Path)
    ap.add_argument('out', type=Path)
    ap.add_argument('--height', type=int, default=2400, help='pixels of the page to capture')
    a = ap.parse_args(argv)
    chromium = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not chromium: sys.exit('screenshots: error: no Chromium on this machine: apt-get install chromium')
    pages = sorted(a.folder.rglob('*.html'))
    if not pages: sys.exit(f'screenshots: error: no .html pages under {a.folder}')
    a.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for page in pages:
        png = a.out/(str(page.relative_to(a.folder).with_suffix('')).replace('/', '__') + '.png')
        ok = screenshot(chromium, page, png, a.height)
        images = len(re.findall(r'<img[^>]+src="data:image/png', page.read_text(errors='replace')))
        print(f"{'ok  ' if ok else 'FAIL'} {page.relative_to(a.folder)}: {page.stat().st_size/1e3:,.0f} kB, "
              f"{images} embedded image{'s' * (images != 1)} -> {png.name}")
        failed += not ok
    print(f'{len(pages) - failed} of {len(pages)} pages rendered')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
