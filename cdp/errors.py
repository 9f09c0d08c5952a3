"""The one exception hierarchy of Kundenbild.

Every error a user can cause or meet is a ``CdpError``. Each knows the message
a person should read, the HTTP status the web layer answers with and the exit
code the CLI ends with. Messages never contain personal data or key material:
they say *what* is wrong and *where* (a file, a line, a column), not the value.

A message is a template marked for translation with ``N_`` and its named
parameters: ``raise NotFound(N_("There is no profile {profile_id}."),
profile_id=profile_id)``. Babel extracts the templates (``N_`` is one of its
default keywords; ``babel.cfg`` names it for the core and the areas), the
catalogue translates them, and whoever shows the error renders it in the
reader's language with ``error.render(gettext)``; ``str(error)`` and
``error.message`` stay English, for logs and tests. The core never chooses a
language itself: the web passes Flask-Babel's ``gettext``, the CLI one chosen
from the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Gettext = Callable[[str], str]


def N_(template: str) -> str:
    """Mark ``template`` as a message for translation; it is returned unchanged.

    Templates are ``str.format`` strings whose fields name the parameters:
    ``N_("There is no profile {profile_id}.")``.
    """
    return template


def english(template: str) -> str:
    """The ``gettext`` of the language the templates are written in."""
    return template


class Message(str):
    """A message that is its English text and can render itself in another language.

    As a ``str`` it is the English text, compared, joined and written to JSON
    and logs as before. It keeps its ``template`` (the catalogue's msgid) and
    ``params``; ``render(gettext)`` translates the template and fills it in.
    A parameter that can render itself (a ``Message``, such as the reason of an
    ``InvalidValue``) is rendered in the same language; any other (a path, a
    number, a name) is put in as it is, untranslated.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        text = _fill(template, template, params, english)
        message = super().__new__(cls, text)
        message.template = template
        message.params = params
        return message

    def render(self, gettext: Gettext = english) -> str:
        """The message in the language of ``gettext``."""
        return _fill(gettext(self.template), self.template, self.params, gettext)

    def __reduce__(self) -> tuple[Any, ...]:
        # Messages travel from worker processes (an import's reasons): rebuilt from template and parameters.
        return (_rebuilt_message, (type(self), self.template, self.params))


def _rebuilt_message(cls: type[Message], template: str, params: dict[str, Any]) -> Message:
    return cls(template, **params)


def render(text: object, gettext: Gettext = english) -> str:
    """``text`` in the language of ``gettext`` if it renders itself (a ``Message``, a ``CdpError``), else as it is."""
    renderer = getattr(text, "render", None)
    return renderer(gettext) if callable(renderer) else str(text)


def _fill(translated: str, template: str, params: dict[str, Any], gettext: Gettext) -> str:
    """``translated`` filled in with ``params``; a translation that does not fit them falls back to English.

    An error on its way to the user must never fail itself, so a template that
    cannot be filled at all is shown as it is.
    """
    values = {name: _rendered(value, gettext) for name, value in params.items()}
    for text in dict.fromkeys((translated, template)):
        try:
            return text.format_map(values)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            continue
    return template


def _rendered(value: Any, gettext: Gettext) -> Any:
    renderer = getattr(value, "render", None)
    return renderer(gettext) if callable(renderer) and not isinstance(value, type) else value


def lines_by_reason(skipped: list[tuple[int, Message]], shown: int = 20) -> list[Message]:
    """One line per reason rows were skipped for, naming the rows' line numbers (the first ``shown`` of them),
    in the order the reasons first occur: "lines 4, 9: no contact has this email"."""
    lines_of: dict[str, tuple[Message, list[int]]] = {}
    for line, reason in skipped:
        lines_of.setdefault(str(reason), (reason, []))[1].append(line)
    found = []
    for reason, lines in lines_of.values():
        if len(lines) == 1:
            found.append(Message(N_("line {line}: {reason}"), line=lines[0], reason=reason))
        else:
            named = ", ".join(map(str, lines[:shown])) + (" …" if len(lines) > shown else "")
            found.append(Message(N_("lines {lines}: {reason}"), lines=named, reason=reason))
    return found


def _lines(parts: list[Message]) -> tuple[str, dict[str, Message]]:
    """A template putting each of ``parts`` on a line of its own, and its parameters."""
    names = [f"line{number}" for number in range(len(parts))]
    return "\n".join("{" + name + "}" for name in names), dict(zip(names, parts, strict=True))


def _as_message(template: str, params: dict[str, Any]) -> Message:
    return template if isinstance(template, Message) and not params else Message(template, **params)


class CdpError(Exception):
    """Base of every error Kundenbild reports to a user.

    ``CdpError(template, **params)`` with a template marked by ``N_``; a
    ``Message`` made already may stand for the template. ``message`` is the
    English text (a ``Message``), ``render(gettext)`` the text in another language.
    """

    http_status = 400
    exit_code = 1

    def __init__(self, template: str, /, **params: Any) -> None:
        self.message = _as_message(template, params)
        super().__init__(str(self.message))

    @property
    def template(self) -> str:
        return self.message.template

    @property
    def params(self) -> dict[str, Any]:
        return self.message.params

    def render(self, gettext: Gettext = english) -> str:
        """The message in the language of ``gettext`` (Flask-Babel's, or the CLI's)."""
        return self.message.render(gettext)

    def __str__(self) -> str:
        return str(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than the message; rebuilt from their state, not by calling them.
        return (_rebuilt_error, (type(self), self.__dict__))


def _rebuilt_error(cls: type[CdpError], state: dict[str, Any]) -> CdpError:
    error = cls.__new__(cls)
    Exception.__init__(error, str(state["message"]))
    error.__dict__.update(state)
    return error


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
        template, lines = _lines(self._describe())
        super().__init__(template, **lines)

    def _describe(self) -> list[Message]:
        """A line per problem (the first 20), then the outcome; each reason renders in the reader's language."""
        shown = [
            Message(N_("{path}, line {line}: {reason}"), path=self.path, line=line, reason=reason)
            if line
            else Message(N_("{path}: {reason}"), path=self.path, reason=reason)
            for line, reason in self.problems[:20]
        ]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(Message(N_("… and {more} more problem(s)"), more=more))
        shown.append(Message(N_("Nothing was imported.")))
        return shown


class FollowUpFailed(CdpError):
    """An import committed, but the work after it (identity resolution) failed; ``cdp resolve`` finishes it.

    ``result`` is the committed import's ``ImportResult``, so that what was
    written is reported as written.
    """

    exit_code = 8

    def __init__(self, result: object) -> None:
        self.result = result
        super().__init__(
            N_(
                "The import is committed, but identity resolution after it did not finish; "
                "run 'cdp resolve' to finish it."
            )
        )


class FormatError(CdpError):
    """A reader met something it cannot parse at a given line.

    ``FormatError(line, N_("reason with {name}"), name=...)``: the reason is a
    template with its parameters, kept as the ``Message`` ``reason``.
    """

    def __init__(self, line: int | None, reason: str, /, **params: Any) -> None:
        self.line = line
        self.reason = _as_message(reason, params)
        if line:
            super().__init__(N_("line {line}: {reason}"), line=line, reason=self.reason)
        else:
            super().__init__(self.reason)


class InvalidValue(CdpError):
    """A single value does not have a form Kundenbild accepts.

    ``reason`` describes the expected form; it never repeats the value itself.
    It is a template with its parameters, as for ``FormatError``; ``field``
    names the field as the code and the files do, untranslated.
    """

    def __init__(self, field: str, reason: str, /, **params: Any) -> None:
        self.field = field
        self.reason = _as_message(reason, params)
        super().__init__(N_("{field}: {reason}"), field=field, reason=self.reason)


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
