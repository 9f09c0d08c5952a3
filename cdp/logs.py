"""Logging that cannot leak personal data.

The application log holds actions, counts and ids. When something breaks
unexpectedly, the crash record keeps only the exception's type and the code
locations it passed through: exception messages can quote the data being
processed, so they are never written.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

LOGGER_NAME = "kundenbild"


def setup(log_dir: Path, level: str = "INFO") -> logging.Logger:
    """Log to ``log_dir/kundenbild.log``; created private to the owner."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logger = logging.getLogger(LOGGER_NAME)
    target = str(log_dir / "kundenbild.log")
    if not any(getattr(handler, "baseFilename", None) == target for handler in logger.handlers):
        handler = logging.FileHandler(target, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO")
    logger.propagate = False
    return logger


def crash_summary(error: BaseException) -> str:
    """Exception type and stack locations, without any exception message."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames))
    return f"{type(error).__module__}.{type(error).__qualname__} at {where}"


def crash(error: BaseException) -> None:
    """Write the crash record of ``error`` to whatever log the program set up (if any)."""
    logging.getLogger(LOGGER_NAME).error("crash: %s", crash_summary(error))
