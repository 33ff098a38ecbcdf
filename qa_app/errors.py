"""Error types the library raises; cli.py and web.py turn them into one clear line or a 4xx."""


class QAError(Exception):
    """Base class: every message is meant to be shown to a user as it is."""


class CorpusError(QAError):
    """The corpus cannot be read, or holds no record at all."""


class IndexMissing(QAError):
    """No usable index: missing, damaged, or built with another model. Fix: run `qa build`."""


class ModelUnavailable(QAError):
    """The embedding model cannot be loaded from a package or a local folder."""


class BadQuestion(QAError):
    """The question is empty, too long, or otherwise not a question."""


class StoreUnavailable(QAError):
    """The configured index store cannot be used: its optional packages are missing or it cannot be reached."""


class IndexBusy(QAError):
    """Another process kept the index folder's writer lock too long (qa_app.writers)."""
