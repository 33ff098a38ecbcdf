"""Reading the five bundled documents in every format: records read, time and peak memory; bench/formats.json.

Each format's folder is made first (not timed) from the .txt originals, the way the tests make
them (tests/format_inputs.py, tests/test_formats.py): .csv/.xlsx/.docx written directly, .xls and
.doc converted by LibreOffice, .pdf printed by headless Chromium, .html as a saved portal page,
and "scan": each printed PDF's pages rendered at 150 dpi into an image-only PDF, read by OCR.
Then one child process per format reads its folder with `load_corpus` (as `qa build` does), so the
figures are its own: wall time, the child's peak RSS (VmHWM; `base_mb` is its RSS once imported,
before reading), and its converters' (LibreOffice) peak RSS.
A scan is read twice: cold, and again from the OCR cache (what every later build costs).
The notice stays .txt in the csv/xlsx folders (a
notice is no table); the .xls folder has it as .doc. `agree` is the share of the .txt records found with the same number, units, leaders and deadline.

    .venv/bin/python -m bench.formats [--only pdf,html] [--scan-pages N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import ROOT, child_env, run_measured

FORMATS = ("txt", "csv", "xlsx", "docx", "xls", "doc", "pdf", "html", "scan")
OUT = ROOT / "bench" / "formats.json"
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
def vm(field):  # this process's own memory (VmHWM: its peak), MB; ru_maxrss would carry the parent's over exec
    line = next(l for l in open("/proc/self/status") if l.startswith(field))
    return round(int(line.split()[1]) / 1024, 1)
base = vm("VmRSS")
started = time.perf_counter()
with ocr_context(Path(sys.argv[2]) if len(sys.argv) > 2 else None):
    corpus = load_corpus(Path(sys.argv[1]))
seconds = time.perf_counter() - started
keys = sorted((Path(r.doc).stem, r.number, r.units, r.leaders, r.deadline) for r in corpus.records)
print(json.dumps({"records": len(corpus.records), "skipped": len(corpus.all_skipped()), "read_s": round(seconds, 2),
                  "peak_mb": vm("VmHWM"), "base_mb": base,
                  "converter_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
                  "keys": [list(map(str, k)) for k in keys]}, ensure_ascii=False))
"""


def make_inputs(kind: str, folder: Path, scan_pages: int | None) -> None:
    """The five documents in `kind`, written into `folder`."""
    from qa_app.parsing import load_corpus
    from tests.conftest import CORPUS_DIR
    from tests.format_inputs import html_page, office_convert, print_pdf
    from tests.test_formats import write_corpus

    sources = sorted(CORPUS_DIR.glob("*.txt"))
    if kind == "txt":
        for source in sources:
            shutil.copy(source, folder)
    elif kind in ("csv", "xlsx", "docx"):
        write_corpus(folder, load_corpus(CORPUS_DIR), {"csv": "csv-utf8"}.get(kind, kind))  # notice: .txt
    elif kind in ("xls", "doc"):
        with tempfile.TemporaryDirectory() as tmp:
            make_inputs("xlsx" if kind == "xls" else "docx", Path(tmp), None)
            tables = sorted(Path(tmp).glob("*.xlsx" if kind == "xls" else "*.docx"))
            office_convert(tables, kind, folder)
            if kind == "xls":  # and the notice as .doc
                (Path(tmp) / "n").mkdir()
                make_inputs("docx", Path(tmp) / "n", None)
                office_convert([Path(tmp) / "n" / f"{sources[4].stem}.docx"], "doc", folder)
    elif kind == "pdf":
        for source in sources:
            print_pdf(html_page(source, table_only=True), folder / f"{source.stem}.pdf")
    elif kind == "html":
        for source in sources:
            (folder / f"{source.stem}.html").write_text(html_page(source), encoding="utf-8")
    elif kind == "scan":
        _scans(sources, folder, scan_pages)


def _scans(sources: list[Path], folder: Path, pages: int | None) -> None:
    """Each printed PDF rendered at 150 dpi, page by page, into a PDF of images only (no text layer)."""
    import pypdfium2

    from tests.format_inputs import html_page, print_pdf

    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            printed = print_pdf(html_page(source, table_only=True), Path(tmp) / f"{source.stem}.pdf")
            document = pypdfium2.PdfDocument(str(printed))
            images = [document[i].render(scale=150 / 72, grayscale=True).to_pil().convert("L")
                      for i in range(min(len(document), pages or len(document)))]
            document.close()
            images[0].save(folder / f"{source.stem}.pdf", save_all=True, append_images=images[1:], resolution=150)


def measure(kind: str, folder: Path, original: set[tuple], cache: Path | None = None) -> dict:
    command = [sys.executable, "-c", _CHILD, str(folder)] + ([str(cache)] if cache else [])
    run = run_measured(command, timeout=3600, env=child_env(PYTHONPATH=str(ROOT)))
    if run.returncode != 0:
        return {"format": kind, "error": run.stderr.strip().splitlines()[-1:]}
    found = json.loads(run.stdout)
    keys = {tuple(k) for k in found.pop("keys")}
    return {"format": kind, **found, "agree": round(len(keys & original) / len(original), 3),
            "wall_s": run.seconds, "files": sorted(p.name for p in folder.iterdir())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FORMATS), help="comma-separated formats")
    parser.add_argument("--scan-pages", type=int, default=None, help="OCR at most this many pages per document")
    args = parser.parse_args(argv)
    results = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "txt"
        base.mkdir()
        make_inputs("txt", base, None)
        original = _keys(base)
        for kind in args.only.split(","):
            folder = Path(tmp) / kind
            folder.mkdir(exist_ok=True)
            started = time.perf_counter()
            make_inputs(kind, folder, args.scan_pages)
            made = round(time.perf_counter() - started, 1)
            cache = Path(tmp) / "index" if kind == "scan" else None
            row = {**measure(kind, folder, original, cache), "made_s": made}
            if kind == "scan":
                row["cached"] = {k: v for k, v in measure(kind, folder, original, cache).items()
                                 if k in ("records", "read_s", "wall_s", "peak_mb")}
                row["pages"] = args.scan_pages or "all"
            results[kind] = row
            print(json.dumps({k: v for k, v in row.items() if k != "files"}, ensure_ascii=False), flush=True)
            OUT.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _keys(folder: Path) -> set[tuple]:
    from qa_app.parsing import load_corpus

    return {(Path(r.doc).stem, str(r.number), str(r.units), str(r.leaders), r.deadline)
            for r in load_corpus(folder).records}


if __name__ == "__main__":
    main()
