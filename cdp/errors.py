"""The one exception hierarchy of Kundenbild.

Every error a user can cause or meet is a ``CdpError``. Each knows the message
a person should read, the HTTP status the web layer answers with and the exit
code the CLI ends with. Messages never contain personal data or key material:
they say *what* is wrong and *where* (a file, a line, a column), not the value.
"""

from __future__ import annotations


class CdpError(Exception):
    """Base of every error Kundenbild reports to a user."""

    http_status = 400
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(CdpError):
    """A setting is missing or has a value Kundenbild cannot use."""

    exit_code = 2


class StoreError(CdpError):
    """The encrypted store cannot be opened or used."""

    http_status = 503
    exit_code = 3


class StoreNotFound(StoreError):
    """There is no store where the configuration points."""


class WrongKey(StoreError):
    """The key does not open the store (or the file is not a Kundenbild store)."""


class NotAStore(StoreError):
    """The file opens but is not a Kundenbild store."""


class StoreInUse(StoreError):
    """Another process holds the store in a way that forbids what was asked (a restore while a server runs)."""


class StoreBusy(StoreError):
    """The write lock was not had in time: another unit of work (a large import) holds it."""


class KeyMissing(StoreError):
    """Neither CDP_KEY nor a key file provides the master key."""


class SchemaOutdated(StoreError):
    """The store's schema is older than this version of Kundenbild."""


class ImportRejected(CdpError):
    """A file cannot be imported; nothing was written.

    ``problems`` lists ``(line, reason)`` pairs, line being 1-based in the
    file (``None`` where the problem is not tied to a line).
    """

    exit_code = 4

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self._describe())

    def _describe(self) -> str:
        shown = [
            f"{self.path}, line {line}: {reason}" if line else f"{self.path}: {reason}"
            for line, reason in self.problems[:20]
        ]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"… and {more} more problem(s)")
        shown.append("Nothing was imported.")
        return "\n".join(shown)


class FollowUpFailed(CdpError):
    """An import committed, but the work after it (identity resolution) failed; ``cdp resolve`` finishes it.

    ``result`` is the committed import's ``ImportResult``, so that what was
    written is reported as written.
    """

    exit_code = 8

    def __init__(self, result: object) -> None:
        self.result = result
        super().__init__(
            "The import is committed, but identity resolution after it did not finish; run 'cdp resolve' to finish it."
        )


class FormatError(CdpError):
    """A reader met something it cannot parse at a given line."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


class InvalidValue(CdpError):
    """A single value does not have a form Kundenbild accepts.

    ``reason`` describes the expected form; it never repeats the value itself.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class NotFound(CdpError):
    """A record that was asked for does not exist."""

    http_status = 404
    exit_code = 5


class NotOffered(NotFound):
    """A review decision names a pair the queue does not offer to this person.

    It answers like ``NotFound``, so that the answer never tells whether the
    pair exists, was decided already, or belongs to a restricted profile.
    """


class AuditBroken(CdpError):
    """The audit log's hash chain does not hold: an entry was changed or removed."""

    exit_code = 7
