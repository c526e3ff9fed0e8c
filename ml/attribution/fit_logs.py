"""Hold back a model's per-fit log lines while a bootstrap refits it many times."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _WarningCollector(logging.Handler):
    """Keep the messages of warnings logged during the resamples' fits."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def collected_fit_warnings(fit_logger: logging.Logger) -> Iterator[list[str]]:
    """Hold back `fit_logger`'s log lines during the resamples, keeping its warnings.

    Each fit logs its size, and a resample can repeat a warning of the full fit (a
    separated channel, say) a hundred times. The caller summarizes the warnings once.
    """
    collector = _WarningCollector()
    propagate = fit_logger.propagate
    fit_logger.addHandler(collector)
    fit_logger.propagate = False
    try:
        yield collector.messages
    finally:
        fit_logger.removeHandler(collector)
        fit_logger.propagate = propagate
