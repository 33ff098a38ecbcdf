"""One Milvus row per record: what is stored, and how a record's row is told apart from a changed one."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from qa_app.indexes.milvus.client import LAYOUT
from qa_app.records import Record
from qa_app.text import fold_variants, normalize

FORMAT = 1


def name_key(name: str) -> str:
    """A leader or unit as filters compare it (`retrieval.Filters`: normalised, variants folded)."""
    return normalize(fold_variants(name))


def record_hash(record: Record) -> str:
    data = json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def positions(records: list[Record]) -> list[int]:
    """Each record's place within its document: sorting by (doc, pos) gives the corpus order back."""
    seen: dict[str, int] = {}
    found = []
    for record in records:
        found.append(seen.get(record.doc, 0))
        seen[record.doc] = found[-1] + 1
    return found


def _clip(text: str, limit: int) -> str:
    """The chunk as stored (for reading only: the vectors were made from all of it)."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def make_row(record: Record, pos: int, chunk: str, key: str, vector: np.ndarray, lexical: dict[int, float]) -> dict:
    names = record.units + record.lead_units + record.participating_units
    return {
        "id": record.id, "doc": record.doc, "pos": pos, "year": record.year, "period": record.period,
        "kind": record.kind, "number": record.number,
        "leaders": sorted({name_key(n) for n in record.leaders})[: LAYOUT.max_leaders],
        "units": sorted({name_key(n) for n in names})[: LAYOUT.max_units],
        "record": record.to_dict(), "chunk": _clip(chunk, LAYOUT.chunk_bytes), "key": key,
        "hash": record_hash(record), "dense": np.asarray(vector, dtype=np.float32).tolist(),
        "lexical": {int(k): float(v) for k, v in lexical.items()},
    }


def same_vector(a: dict, b: dict, tolerance: float = 1e-6) -> bool:
    """Sparse vectors equal up to float32 rounding (stored values come back as float32)."""
    if set(a) != set(b):
        return False
    return all(abs(a[k] - b[k]) <= tolerance * max(1.0, abs(b[k])) for k in a)
