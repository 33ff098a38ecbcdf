"""The place a document belongs to, and the issuing lines (issuer, date) that are no content.

A place comes from the title (某某县2024年…); a title that does not name it leaves the issuing body
above the text (某某县人民政府办公室, 关于印发某某县…的通知) or the signature below it; failing all,
`qa add --place` stores one with the document (`.places.json` in the corpus folder, read here).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from qa_app.profile import place_of
from qa_app.text import normalize

PLACES_FILE = ".places.json"  # {file name: place} given with `qa add --place`; a dot file is no document
_LEVEL = r"(?:省|市|县|区|旗|镇|乡|街道)"
_BODY_WORDS = r"(?:人民政府|政府|办公室|委员会|党委|党工委|管委会|管理委员会|办事处|人大常委会|政协|局)"
_PLACE = re.compile(rf"^(?:[\u4e00-\u9fff]{{2,4}}省)?(?P<place>[\u4e00-\u9fff]{{2,6}}?{_LEVEL})(?=[\u4e00-\u9fff])")
# An issuing body alone on its line: 某某县人民政府办公室, 中共某某镇委员会
_ISSUER = re.compile(rf"^(?:中共)?[\u4e00-\u9fff（）()]{{2,24}}{_BODY_WORDS}$")
_ISSUING = re.compile(rf"^(?:中共)?[\u4e00-\u9fff]{{2,12}}?{_LEVEL}{_BODY_WORDS}")
_ABOUT = re.compile(rf"关于(?:印发|做好|开展|下达)?《?(?P<place>[\u4e00-\u9fff]{{2,6}}?{_LEVEL})(?=[\u4e00-\u9fff]*?\d{{4}}年)")
_DATE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_EDGE = 8  # issuing lines are looked for among this many lines at the top and at the bottom


def is_signature(text: str) -> bool:
    """An issuing body or a date alone on its line: the notice's letterhead or signature, no content."""
    flat = normalize(text)
    return bool(flat) and bool(_DATE.match(flat) or _ISSUER.match(flat))


def _issuer_place(text: str) -> str:
    """The place of an issuing line; not of a table row (cells) or the addressees (各乡镇人民政府…：)."""
    if re.search(r"[,，\t]", text.strip()) and not text.strip().startswith("关于"):
        return ""
    flat = normalize(text)
    if flat.startswith("各") or text.strip().endswith(("：", ":")):
        return ""
    if _ISSUING.match(flat) or (_ISSUER.match(flat) and len(flat) <= 24):
        found = _PLACE.match(flat.removeprefix("中共"))
        return found.group("place") if found else ""
    found = _ABOUT.search(flat)
    return found.group("place") if found else ""


def _title_place(title: str) -> str:
    """某某县2024年… → 某某县; 关于印发某某县…的通知 → 某某县; a title about 全县 names none."""
    flat = normalize(title)
    if flat.startswith("关于"):
        found = _ABOUT.match(flat)
        return found.group("place") if found else ""
    return place_of(title)


def document_place(title: str, lines: list[str]) -> str:
    """The title's place, else the issuing body's (the lines at the top), else the signature's."""
    own = _title_place(title)
    if own:
        return own
    texts = [t for t in (line.strip() for line in lines) if t]
    for text in texts[:_EDGE] + texts[::-1][:_EDGE]:
        place = _issuer_place(text)
        if place:
            return place
    return ""


def stored_places(corpus_dir: Path) -> dict[str, str]:
    """The places `qa add --place` stored for the folder's documents ({} when none)."""
    path = Path(corpus_dir) / PLACES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def store_place(corpus_dir: Path, name: str, place: str | None) -> dict[str, str]:
    """Keep (or, with no place, forget) a document's place; returns the places as they were before."""
    before = stored_places(corpus_dir)
    places = dict(before)
    if place and place.strip():
        places[name] = place.strip()
    else:
        places.pop(name, None)
    if places != before:
        write_places(corpus_dir, places)
    return before


def write_places(corpus_dir: Path, places: dict[str, str]) -> None:
    """Write the places file atomically beside the documents (a temporary file renamed over it)."""
    fd, tmp = tempfile.mkstemp(dir=corpus_dir, prefix=".places.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(places, handle, ensure_ascii=False, indent=1)
    os.replace(tmp, Path(corpus_dir) / PLACES_FILE)
