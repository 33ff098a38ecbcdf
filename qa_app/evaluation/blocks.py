"""The generic-RAG baseline: raw files cut into fixed 500-character blocks with 50 overlap.

The blocks are indexed in memory with the same embedder, the same tokenizer (with the corpus's own
names), the same BM25 and the same weighted RRF as the record index — the very `Retriever` class —
so the only difference measured is record-level indexing versus blind blocks.
"""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from qa_app.embedding import Embedder
from qa_app.indexes import Bm25Index, Index, Tokenizer, VectorIndex, vocabulary_words
from qa_app.parsing import SUPPORTED, corpus_files, load_corpus, read_text_lines
from qa_app.records import Record
from qa_app.retrieval import Retriever

BLOCK_CHARS = 500
OVERLAP_CHARS = 50
BLOCK_KIND = "block"


def cut_blocks(text: str, size: int = BLOCK_CHARS, overlap: int = OVERLAP_CHARS) -> list[tuple[int, str]]:
    """(start, block) pairs covering the text; each block starts `size - overlap` after the last."""
    if size <= overlap:
        raise ValueError("block size must be larger than the overlap")
    if not text.strip():
        return []
    step = size - overlap
    blocks = []
    for start in range(0, len(text), step):
        blocks.append((start, text[start : start + size]))
        if start + size >= len(text):
            break
    return blocks


def block_records(corpus_dir: Path, size: int = BLOCK_CHARS, overlap: int = OVERLAP_CHARS) -> list[Record]:
    """Every block of every readable corpus file as a bare record (id FILE@START, text = the block)."""
    records = []
    for path in corpus_files(Path(corpus_dir)):
        if path.suffix.lower() not in SUPPORTED:
            continue
        text = "\n".join(read_text_lines(path))
        for start, block in cut_blocks(text, size, overlap):
            records.append(Record(id=f"{path.name}@{start}", doc=path.name, title="", year=None, period="",
                                  kind=BLOCK_KIND, number=None, text=block))
    return records


def _embed(embedder: Embedder, texts: list[str], progress: bool, batch: int = 32):
    import numpy as np

    parts = [embedder.embed_passages(texts[i : i + batch])
             for i in tqdm(range(0, len(texts), batch), desc="embedding blocks", unit="batch",
                           disable=not progress, leave=False)]
    return np.vstack(parts)


def build_block_retriever(corpus_dir: Path, embedder: Embedder, progress: bool = True,
                          size: int = BLOCK_CHARS, overlap: int = OVERLAP_CHARS) -> Retriever:
    """An in-memory index of the blocks, searched by the same Retriever as the records."""
    blocks = block_records(corpus_dir, size, overlap)
    texts = [b.text for b in blocks]
    tokenizer = Tokenizer(vocabulary_words(list(load_corpus(corpus_dir).records)))
    index = Index(folder=Path(corpus_dir), manifest={"model": embedder.model_id, "records": len(blocks)},
                  records=tuple(blocks), chunks=tuple(texts), dense=VectorIndex.build(_embed(embedder, texts, progress)),
                  lexical=Bm25Index.build([tokenizer(t) for t in texts]), tokenizer=tokenizer)
    return Retriever(index, embedder)
