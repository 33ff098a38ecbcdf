"""Hostile and broken files: refused with one clear line, through `qa add` and the upload panel, and
the corpus folder and the live index stay exactly as they were.

Each file is built in a temp folder by `tests/hostile_files.py` (the zip bombs unpack to 256 MB here,
1 GB in `make bench`, where time and memory are measured). The refusal must name the place, what was
too big, the limit and the QA_* variable that raises it.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from qa_app.cli import limits_from_environment, main
from qa_app.engine import Engine
from qa_app.parsing import SUPPORTED, parse_file
from qa_app.settings import Limits, Settings
from qa_app.web import ChatService, create_app
from qa_app.web.admin import add_files
from qa_app.web.uploads import upload_folder
from tests import hostile_files
from tests.conftest import CORPUS_DIR
from tests.test_web import running_server

TOKEN = "hostile-admin-token"
ENTITIES = "declares XML entities or a DTD"
EXPECTED = {  # file → (what the refusal says, the variable that raises the limit or None)
    "zip_bomb.xlsx": ("(xl/worksheets/sheet1.xml: 256.0 MB), over the limit of 20 MB", "QA_MAX_UNPACKED_MB"),
    "zip_bomb.docx": ("(word/document.xml: 256.0 MB), over the limit of 20 MB", "QA_MAX_UNPACKED_MB"),
    "million_rows.xlsx": ("(xl/worksheets/sheet1.xml: 51.2 MB), over the limit of 20 MB", "QA_MAX_UNPACKED_MB"),
    "declared_rows.xlsx": ("sheet 'Sheet': the sheet declares 1,000,000 rows", "QA_MAX_ROWS"),
    "undeclared_rows.xlsx": ("sheet 'Sheet': more than 50,000 rows", "QA_MAX_ROWS"),
    "far_row.xlsx": ("sheet 'Sheet', row 50001: more than 50,000 rows", "QA_MAX_ROWS"),
    "billion_laughs.docx": (f"word/document.xml {ENTITIES}", None),
    "xxe.xlsx": (f"xl/sharedStrings.xml {ENTITIES}", None),
    "truncated.xlsx": ("not a readable .xlsx workbook (not a zip archive, or cut short", None),
    "truncated.docx": ("not a readable .docx document (not a zip archive, or cut short", None),
    "big.txt": ("the file is 30.0 MB, over the limit of 20 MB", "QA_MAX_FILE_MB"),
    "long_line.csv": ("line 2: a cell of more than 32,767 characters", "QA_MAX_CELL_CHARS"),
    "many_parts.xlsx": ("the archive has 5,009 parts, over the limit of 1,000 parts", "QA_MAX_ARCHIVE_ENTRIES"),
    "wide_span.docx": ("sheet 'table 1', row 1: more than 1,000,000 cells", "QA_MAX_CELLS"),
    "overlapping_merges.xlsx": ("merged cells cover 1,599,920,000 cells", "QA_MAX_CELLS"),
}
SMALLER = {"zip_bomb.xlsx": {"unpacked_mb": 256}, "zip_bomb.docx": {"unpacked_mb": 256}}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """Every hostile file, each in a folder of its own (so the names stay as the cases say)."""
    return {name: hostile_files.build(name, tmp_path_factory.mktemp(name.replace(".", "-")), **SMALLER.get(name, {}))
            for name in EXPECTED}


def test_every_case_is_built(hostile):
    assert set(hostile) == set(hostile_files.HOSTILE)


def _one_line(message: str, name: str, expected: str, setting: str | None) -> None:
    assert "\n" not in message.strip() and len(message) < 400, message
    assert name in message and expected in message, message
    if setting:
        assert f"(set {setting} to raise it)" in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", list(EXPECTED))
def test_parser_refuses_with_the_place_the_limit_and_the_setting(hostile, name):
    doc = parse_file(hostile[name])
    assert doc.records == () and len(doc.skipped) == 1
    _one_line(f"{doc.skipped[0].where}: {doc.skipped[0].reason}", name, *EXPECTED[name])


# ---- through `qa add` and the upload panel, on a copy of the corpus and its built index ----------


def _snapshot(settings: Settings) -> dict[str, str]:
    return hostile_files.folder_digest(settings.corpus_dir, settings.index_dir)


@pytest.fixture(scope="module")
def site(tmp_path_factory, index_settings, engine):
    """Corpus and index copies, a ChatService over them and a real server with the upload panel."""
    root = tmp_path_factory.mktemp("hostile-site")
    shutil.copytree(CORPUS_DIR, root / "corpus")
    shutil.copytree(index_settings.index_dir, root / "index")
    settings = index_settings.with_(corpus_dir=root / "corpus", index_dir=root / "index")
    service = ChatService(settings, Engine.load(settings, progress=False, embedder=engine.retriever.embedder))
    with running_server(create_app(service, admin_token=TOKEN)) as url:
        yield service, url


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
def test_qa_add_refuses_and_nothing_changes(hostile, site, name):
    service, _ = site
    settings = service.settings
    before = _snapshot(settings)
    result = CliRunner().invoke(main, ["add", str(hostile[name]), "--corpus", str(settings.corpus_dir),
                                       "--index", str(settings.index_dir)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: cannot add {name}: {name}")
    _one_line(result.output, name, *EXPECTED[name])
    assert _snapshot(settings) == before


def _as_upload(path) -> str:
    """The file where Gradio's upload route puts uploads: the panel takes no other path."""
    folder = upload_folder() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return str(shutil.copy(path, folder / Path(path).name))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
def test_upload_panel_refuses_and_nothing_changes(hostile, site, name):
    service, url = site
    before = _snapshot(service.settings)
    message = add_files(service, TOKEN, TOKEN, [_as_upload(hostile[name])])
    assert message.startswith(f"未能添加：cannot add {name}: "), message
    _one_line(message, name, *EXPECTED[name])
    assert _snapshot(service.settings) == before
    assert httpx.get(f"{url}/api/health", timeout=60, trust_env=False).json()["records"] == 313


@pytest.mark.slow
def test_server_answers_while_an_upload_is_parsed(tmp_path, site):
    """A Word file of 19 MB of XML takes seconds to load and is refused at row 50,001; questions asked
    meanwhile are answered before the upload ends (the parse holds neither the engine nor the loop)."""
    service, url = site
    upload = hostile_files.zip_bomb_docx(tmp_path, unpacked_mb=19)
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(add_files(service, TOKEN, TOKEN, [_as_upload(upload)])))
    answered_during = 0
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        worker.start()
        while worker.is_alive():
            response = http.post("/api/ask", json={"question": "雄商高铁项目由哪个单位牵头？"})
            assert response.status_code == 200 and response.json()["short"] == "市交通运输局"
            answered_during += worker.is_alive()
    worker.join()
    assert answered_during >= 1
    assert "more than 50,000 rows" in outcome[0] and "QA_MAX_ROWS" in outcome[0]


@pytest.mark.slow
def test_the_panel_states_and_enforces_the_file_size_limit(site):
    """QA_MAX_FILE_MB is the panel's label and Gradio's own upload cap (a bigger upload never lands)."""
    _, url = site
    config = httpx.get(f"{url}/config", timeout=60, trust_env=False).json()
    labels = [c.get("props", {}).get("label") for c in config["components"]]
    assert f"添加文件（{' / '.join(SUPPORTED)}，每个不超过 20 MB）" in labels
    assert config["max_file_size"] == 20 * 1024 * 1024


# ---- settings, and cells quoted in messages ------------------------------------------------------


def test_limits_come_from_qa_variables_and_bad_values_are_refused():
    assert limits_from_environment({}) == Limits()
    raised = limits_from_environment({"QA_MAX_ROWS": "100000", "QA_MAX_FILE_MB": "40", "OTHER": "1"})
    assert (raised.max_rows, raised.max_file_mb, raised.max_cells) == (100_000, 40.0, Limits().max_cells)
    for bad in ({"QA_MAX_ROWS": "lots"}, {"QA_MAX_ROWS": "0"}, {"QA_MAX_UNPACKED_MB": "-1"}, {"QA_MAX_CELLS": "1.5"}):
        with pytest.raises(Exception, match="expected a positive"):
            limits_from_environment(bad)


@pytest.mark.slow
def test_raising_a_limit_lets_the_file_past_it(hostile, site):
    """big.txt under QA_MAX_FILE_MB=40 is read, and then stops at the row limit instead."""
    settings = site[0].settings
    args = ["add", str(hostile["big.txt"]), "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    result = CliRunner().invoke(main, args, env={"QA_MAX_FILE_MB": "40"})
    assert result.exit_code == 1
    _one_line(result.output, "big.txt", "line 50001: more than 50,000 rows", "QA_MAX_ROWS")
    result = CliRunner().invoke(main, args, env={"QA_MAX_FILE_MB": "forty"})
    assert result.exit_code == 2 and "QA_MAX_FILE_MB='forty': expected a positive number" in result.output


def test_a_long_cell_is_quoted_in_at_most_40_characters(tmp_path):
    """The refusal that once quoted a whole 1,000-character cell: now 40 characters and an ellipsis."""
    workbook = Workbook()
    workbook.active.append(hostile_files.HEADER)
    workbook.active.append(["第" * 1000, "王建设", "", "", "", "", ""])
    workbook.save(tmp_path / "long.xlsx")
    doc = parse_file(tmp_path / "long.xlsx")
    reason = doc.skipped[0].reason
    assert reason == f"序号 '{'第' * 39}…' is not a number and the row continues no target"
    limits = Limits(max_cell_chars=500)
    reason = parse_file(tmp_path / "long.xlsx", limits=limits).skipped[0].reason
    assert reason.startswith(f"a cell of 1,000 characters (“{'第' * 39}…”), over the limit of 500 characters")
