"""qa_app: exact, cited answers over the city's responsibility-target documents."""

__version__ = "0.1.0"
