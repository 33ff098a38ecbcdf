"""A jieba tokenizer (search mode) that keeps the corpus's own names whole and drops stopwords."""

from __future__ import annotations

import logging
import re
import threading

import jieba

from qa_app.text import fold_variants, normalize

jieba.setLogLevel(logging.WARNING)

STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 等 把 被 对 将 由 为 以 于 从 到 向 也 都 就 还 又 而 并 且 之 其 这 那 这些 那些
    这个 那个 这项 那项 哪 哪个 哪些 哪位 哪项 哪几项 什么 多少 几 几个 几项 吗 呢 吧 啊 呀 么 谁 啥 怎么 怎么样
    怎样 如何 是否 有没有 有 没 个 项 里 中 上 下 方面 这些 一些 现在 已经 要求 请问 一下 情况 目前""".split()
)
_PUNCT_ONLY = re.compile(r"^[\W_]+$")


class Tokenizer:
    """Callable text → tokens; the same instance (same words) is used at build and at query time."""

    def __init__(self, words: list[str]):
        self.words = list(words)
        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        with self._lock:
            self._jieba.initialize()
            for word in self.words:
                self._jieba.add_word(normalize(fold_variants(word)).lower(), freq=100000)

    def __call__(self, text: str) -> list[str]:
        folded = normalize(fold_variants(text)).lower()
        tokens = self._jieba.lcut_for_search(folded)
        return [t for t in tokens if t not in STOPWORDS and not _PUNCT_ONLY.match(t)]
