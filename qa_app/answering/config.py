"""Every threshold the answerer decides with, in one frozen object.

The values are data, not scattered constants: `qa eval --calibrate` searches a small grid of them
with k-fold cross-validation over the question sets and reports held-out-fold accuracy, so a change
here is a measured choice. Pass another `AnswerConfig` to `answer_question` to try one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class AnswerConfig:
    """Thresholds of the three decisions (what is asked, which records, is it there)."""

    # Which records: lexical evidence alone settles the subject...
    min_coverage: float = 0.3          # share of the question's bigram weight the record holds
    single_term_coverage: float = 0.6  # ...or this much when only one bigram is shared
    min_word_coverage: float = 0.3     # share of the question's whole words (jieba) it holds
    min_both_coverage: float = 0.85    # bigram + word coverage together
    settled_coverage: float = 0.85     # wording alone settles it, retrieval not asked
    settled_margin: float = 0.3
    # ...or retrieval does: first after fusion and within the top `agree_rank` of every leg,
    agree_rank: int = 3
    # or first in one leg by a clear margin (BM25 score ratio, cosine difference).
    lexical_margin: float = 2.0
    dense_margin: float = 0.02
    # and never below this much of the question's wording (an unrelated question shares nothing).
    retrieval_min_coverage: float = 0.05
    # Retrieval vouches for a record only among this many records in scope (first of nine says little).
    retrieval_min_scope: int = 20
    # Ranking bonuses: the retriever's rank (which knows paraphrases), names, topic, asked measure.
    retrieval_bonus: float = 0.12
    topic_bonus: float = 0.1
    name_bonus: float = 0.15
    measure_bonus: float = 0.1
    retrieval_depth: int = 10
    # Follow-ups and companions (the same subject in the other document or year).
    companion_min: float = 0.5
    companion_ratio: float = 0.7
    followup_coverage: float = 0.6
    followup_ratio: float = 0.7
    # Topic lists (topics.py): dense hits this close to the best one, sharing this much of the wording.
    topic_dense_margin: float = 0.02
    topic_min_coverage: float = 0.34
    topic_dense_depth: int = 30

    def with_(self, **changes) -> AnswerConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_CONFIG = AnswerConfig()
