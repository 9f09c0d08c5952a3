"""The ``cdp`` command: set up, import and run Kundenbild.

Every command turns a ``CdpError`` into one line on stderr and its exit
code; anything unexpected becomes a short notice, with a message-free crash
record in the log. No command takes a key or password as an argument.
Those error lines are in the language the environment asks for
(``config.language``), from the catalogue the wiring names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from gettext import translation
from pathlib import Path

import click
from tqdm import tqdm

from cdp import audit_view, config, logs, products, records
from cdp.errors import (
    N_,
    AuditBroken,
    CdpError,
    ConfigError,
    FollowUpFailed,
    Gettext,
    Message,
    StoreNotFound,
    english,
)
from cdp.ingest.formats import known
from cdp.ingest.layout import KINDS
from cdp.ingest.pipeline import AfterImport, ImportResult, import_archive, import_file, read_bytes
from cdp.staff.accounts import add_user, disable_user, list_users
from cdp.staff.roles import ROLES
from cdp.staff.tokens import create_token, list_tokens, revoke_token
from cdp.store import backup, migrate
from cdp.store.database import Store, create_store, open_store
from cdp.store.engine import encrypted_engine, probe
from cdp.store.keys import create_key_file, load_master_key


@dataclass(frozen=True)
class Wiring:
    """What the layers above the core plug into its commands (``kundenbild.bootstrap``); no defaults."""

    after_import: AfterImport
    resolve_all: Callable[[Store, str], object]
    # Finishes an erasure a crash interrupted after its keys were destroyed; run on every open.
    finish_erasures: Callable[[Store], object]
    # Purges again, on a restored store, every record whose key was destroyed (keeping what the law holds).
    replay_erasures: Callable[[Store, str], int]
    # The folder of the message catalogues (<language>/LC_MESSAGES/messages.mo) errors are shown from.
    translations: Path
    # Keeps consent with the records a staff correction of identity moved (``cdp.records.RecordsMoved``).
    records_moved: records.RecordsMoved
    # Records the consent a newsletter tool's export holds: (store, file name, its bytes, purpose, channel,
    # actor) -> events recorded. The demo brings its opt-ins in with it.
    import_consent: Callable[[Store, Path, bytes, str, str, str], int]
    # What the areas add to the demo store once its people are in (marketing's past campaigns): lines to show.
    add_to_demo: Callable[[Store, AfterImport], list[str]]
    # What the areas above consent hold about one person, for the access report: (store, profile) -> parts.
    held_by_areas: Callable[[Store, int], dict]


def wiring() -> Wiring:
    """The wiring of the running command; there is none outside ``kundenbild.cli``, which is a bug."""
    found = click.get_current_context().find_object(Wiring)
    if found is None:
        raise RuntimeError("The cdp commands run only as assembled by kundenbild.cli, with its wiring.")
    return found


class CdpGroup(click.Group):
    """A click group that reports errors as messages, never as tracebacks."""

    def invoke(self, ctx: click.Context):
        os.umask(0o077)
        try:
            return super().invoke(ctx)
        except CdpError as error:
            click.echo(Message(N_("Error: {message}"), message=error.message).render(messages(ctx)), err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            _log_crash(error)
            unexpected = Message(N_("Error: Kundenbild met an unexpected problem; a record was written to its log."))
            click.echo(unexpected.render(messages(ctx)), err=True)
            ctx.exit(70)


def messages(ctx: click.Context) -> Gettext:
    """The ``gettext`` of the language the environment asks for, from the wiring's catalogue; English without one.

    It never fails: an error is on its way to the user, and a missing or
    unreadable catalogue only means the English text.
    """
    found = ctx.find_object(Wiring)
    language = config.language()
    if found is None or language == "en":
        return english
    try:
        return translation("messages", found.translations, [language], fallback=True).gettext
    except (OSError, ValueError):
        return english


def _log_crash(error: BaseException) -> None:
    try:
        logger = logs.setup(config.paths().log_dir)
        logger.error("crash: %s", logs.crash_summary(error))
    except OSError:
        pass


@click.group(cls=CdpGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kundenbild: a privacy-first customer data platform on your own server.

    Files live in CDP_DATA_DIR (default ./data). The master key comes from
    CDP_KEY or, when that is unset, from the key file 'cdp init' creates.
    """


@contextmanager
def opened_store() -> Iterator[Store]:
    """The configured store, open for the length of a command; an erasure a crash interrupted is finished first."""
    paths = config.paths()
    store = open_store(paths, load_master_key(paths))
    try:
        wiring().finish_erasures(store)
        yield store
    finally:
        store.close()


def initialise(paths: config.Paths) -> Store:
    """Create key file (unless CDP_KEY is set) and an empty store."""
    if config.setting("CDP_KEY") or paths.key_file.exists():
        master = load_master_key(paths)
    else:
        master = create_key_file(paths.key_file)
        click.echo(f"Created a new key file at {paths.key_file} (mode 0600). Back it up apart from the data.")
    return create_store(paths, master)


@main.command()
def init() -> None:
    """Create a new, empty encrypted store (and a key file if needed)."""
    paths = config.paths()
    initialise(paths).close()
    logs.setup(paths.log_dir).info("store created")
    click.echo(f"Created an encrypted store at {paths.store}.")


@main.command(name="migrate")
def migrate_command() -> None:
    """Upgrade an existing store's schema to this version of Kundenbild."""
    paths = config.paths()
    if not paths.store.exists():
        raise StoreNotFound(N_("There is no store at {store}. Run 'cdp init' first."), store=paths.store)
    engine = encrypted_engine(paths.store, load_master_key(paths).sqlcipher_key("store"))
    probe(engine, paths.store, N_("store"))
    before = migrate.current(engine)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    engine.dispose()
    click.echo(f"Schema at {after} (was {before})." if before != after else f"Schema already at {after}.")
    with opened_store() as store:
        if records.search_index_outdated(store):
            terms = records.rebuild_search_terms(store)
            click.echo(f"Search index rebuilt for this version: {terms:,} terms (cities and postcodes now count).")
        if store.meta("products_linked") is None:  # once: purchases imported before products were kept
            purchases, links = products.backfill(store)
            store.set_meta("products_linked", "1")
            if purchases:
                click.echo(f"Linked {purchases} earlier purchase(s) to their products ({links} link(s)).")


def _parse_maps(values: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        column, sep, field = value.partition("=")
        if not sep or not column.strip():
            raise ConfigError(
                N_(
                    "--map takes COLUMN=FIELD, such as --map 'Kd-Nr=customer_number' (or COLUMN= to leave a column "
                    "out); got '{value}'."
                ),
                value=value,
            )
        mapping[column.strip()] = field.strip()
    return mapping


@main.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", required=True, help="Where the records come from, such as webshop or newsletter.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="What the file holds: contacts, or purchases / messages of contacts already imported "
    "(recognised from the export when not given, else contacts).",
)
@click.option(
    "--format",
    "format_key",
    type=click.Choice(sorted(known.BY_KEY)),
    default=None,
    help="The tool's export the file is (recognised from its columns when not given).",
)
@click.option(
    "--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="Feed a column into a field; COLUMN= leaves it out."
)
@click.option("--strict", is_flag=True, help="Refuse the whole file for one unreadable value or unknown contact.")
def import_command(
    file: Path, source: str, kind: str | None, format_key: str | None, maps: tuple[str, ...], strict: bool
) -> None:
    """Import contacts, purchases or messages from CSV, vCard (.vcf), JSON Lines,
    or the exports of the tools listed under --format, as the tools wrote them.

    Files that cannot be read as a whole (broken quoting, wrong field counts,
    undecodable bytes) are refused with their line numbers, and nothing is
    imported. A value that cannot be read (a date such as 31.02.1980) leaves
    only that field empty and is listed with its line; rows that name no one,
    and purchases or messages whose contact is not found, are left out and
    listed. With --strict any of these refuses the whole file. Importing the
    same file again changes nothing; changed records are updated.

    Contact fields: source_record_id, first_name, last_name, title,
    salutation, gender, birth_date, email, phone, mobile, street,
    house_number, address_extra, postcode, city, region, country, company,
    job_title, customer_number, facebook, x, xing, linkedin, instagram,
    website, language, address_form; full_name and full_address are split.

    Purchase fields: interaction_id, occurred_at, amount, currency, product,
    quantity, comment, and the contact as contact_id (its record id in the
    same source), contact_email, contact_customer_number, contact_phone,
    contact_linkedin (and the other networks) or contact_name.
    Message fields: the same contact fields, interaction_id, occurred_at,
    type (message, post, ticket), channel, direction, subject, text.
    """
    overrides = _parse_maps(maps)
    logs.setup(config.paths().log_dir)
    if file.suffix.lower() == ".zip":
        _import_zip(file, source, strict, bool(kind or format_key or overrides))
        return
    follow_up = None
    with opened_store() as store, _progress_bar() as progress:
        try:
            result = import_file(
                store,
                file,
                source,
                kind=kind,
                format_key=format_key,
                overrides=overrides,
                strict=strict,
                region=config.default_region(),
                progress=progress,
                after_import=wiring().after_import,
            )
        except FollowUpFailed as failed:
            result, follow_up = failed.result, failed
    _report_import(result, source)
    if follow_up is not None:
        raise follow_up


def _import_zip(file: Path, source: str, strict: bool, options_given: bool) -> None:
    """Import the usable files of a zip delivery, each reported as it lands."""
    if options_given:
        raise ConfigError(N_("--kind, --format and --map apply to one file; a zip archive is read as delivered."))
    with opened_store() as store, _progress_bar() as progress:
        outcome = import_archive(
            store, str(file), read_bytes(file), source, strict=strict, region=config.default_region(),
            progress=progress, after_import=wiring().after_import,
        )  # fmt: skip
    for member, result in outcome.imported:
        click.echo(f"{member}:")
        _report_import(result, source)
    if outcome.skipped:
        click.echo(f"Not used: {len(outcome.skipped)} other file(s) in the archive.")
    if outcome.refused is not None:
        member, refused = outcome.refused
        if outcome.imported:
            click.echo(f"The files above were imported; {member} and the files after it were not.", err=True)
        raise refused


def _report_import(result: ImportResult, source: str) -> None:
    logs.setup(config.paths().log_dir).info(
        "import source=%s kind=%s rows=%d created=%d updated=%d unchanged=%d unreadable=%d skipped=%d",
        source,
        result.kind,
        result.rows,
        result.created,
        result.updated,
        result.unchanged,
        sum(len(lines) for lines in result.unreadable.values()),
        len(result.skipped),
    )
    if result.format_name:
        click.echo(f"Recognised: {result.format_name} ({result.kind}).")
    click.echo(
        f"Imported {result.rows} record(s) from {source}: "
        f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged."
    )
    for column, lines in result.unreadable.items():
        click.echo(
            f"Left empty: {len(lines)} value(s) in column '{column}' that could not be read, "
            f"on line(s) {_lines(lines)}; the raw values are kept sealed with the records.",
            err=True,
        )
    if result.skipped:
        click.echo(f"Left out {len(result.skipped)} row(s):", err=True)
        for line, reason in result.skipped[:50]:
            click.echo(f"  line {line}: {reason}", err=True)
        if len(result.skipped) > 50:
            click.echo(f"  … and {len(result.skipped) - 50} more.", err=True)
    if result.suppressed:
        click.echo(
            f"Held back {result.suppressed} record(s) of people erased on request (their identifiers are on the "
            "suppression list); nothing of them was stored.",
            err=True,
        )


def _lines(lines: list[int], shown: int = 20) -> str:
    text = ", ".join(str(line) for line in lines[:shown])
    return text + (f" and {len(lines) - shown} more" if len(lines) > shown else "")


@contextmanager
def _progress_bar():
    if not sys.stderr.isatty():
        yield None
        return
    with tqdm(unit=" rows", file=sys.stderr, leave=False) as bar:
        yield bar.update


@main.group()
def user() -> None:
    """Manage staff accounts (admin, dpo, sales, marketing)."""


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
def user_add(name: str, role: str) -> None:
    """Add a user; the password is read from standard input or prompted for.

    Passwords are never taken as arguments, so they do not end up in the
    shell history or the process list.
    """
    password = _read_password()
    with opened_store() as store:
        add_user(store, name, role, password, actor="cli")
    click.echo(f"Added {name} ({role}).")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user.command(name="list")
def user_list() -> None:
    """List users with their roles."""
    with opened_store() as store:
        for account in list_users(store):
            state = "disabled" if account.disabled else "active"
            click.echo(f"{account.name}\t{account.role}\t{state}")


@user.command(name="disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """Disable a user and end their sessions at once."""
    with opened_store() as store:
        disable_user(store, name, actor="cli")
    click.echo(f"Disabled {name}; their sessions have ended.")


@main.group()
def token() -> None:
    """Manage API tokens for integrations."""


@token.command(name="create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the token may do.")
@click.option("--name", "token_name", required=True, help="What uses the token, such as webshop.")
def token_create(role: str, token_name: str) -> None:
    """Create a token; it is shown once and stored only as a hash."""
    with opened_store() as store:
        value = create_token(store, token_name, role, actor="cli")
    click.echo(value)


@token.command(name="list")
def token_list() -> None:
    """List tokens (never their values)."""
    with opened_store() as store:
        for info in list_tokens(store):
            state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
            click.echo(f"{info.id}\t{info.name}\t{info.role}\t{info.created_at}\t{state}")


@token.command(name="revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (see 'cdp token list'); it stops working at once."""
    with opened_store() as store:
        revoke_token(store, token_id, actor="cli")
    click.echo(f"Revoked token {token_id}.")


@main.group()
def export() -> None:
    """Export data from the store."""


@main.command(name="backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def backup_command(file: Path) -> None:
    """Write an online, consistent, encrypted copy of the store to FILE.

    The store may be in use meanwhile. The copy opens only with this
    installation's master key and its key vault, which is not part of the
    copy: people erased later stay unreadable in it. Search and blocking
    indexes are left out and rebuilt on restore.
    """
    with opened_store() as store:
        size = backup.backup(store, file)
    click.echo(f"Wrote a backup of {size:,} bytes to {file}.")


@main.command(name="restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.confirmation_option(prompt="Replace the current store with this backup?")
def restore_command(file: Path) -> None:
    """Replace the store with the backup FILE (stop 'cdp serve' first).

    Every erasure made since the backup is replayed: records whose keys were
    destroyed are purged again and their identifiers suppressed. Then the
    search and blocking indexes are rebuilt.
    """
    paths = config.paths()
    store = backup.restore(paths, load_master_key(paths), file)
    try:
        replayed = wiring().replay_erasures(store, "restore")
        terms = records.rebuild_search_terms(store)
        wiring().resolve_all(store, "restore")
    finally:
        store.close()
    click.echo(f"Restored {file}: {replayed} erased record(s) purged again, {terms:,} search terms rebuilt.")


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command(name="verify")
def audit_verify() -> None:
    """Check the audit log's keyed hash chain and that it ends where the key vault's anchor says.

    Names the first altered entry, or says that the log was cut short or
    rewritten; lists every restore, with how many entries it went back over.
    """
    with opened_store() as store:
        verdict = audit_view.verify(store)
    for restore in verdict.restores:
        click.echo(
            f"Entry {restore['id']}: the store was restored from a backup on {restore['at'][:10]}; "
            f"{restore['lost']} entries written after that backup are not in it."
        )
    if verdict.problem == "altered":
        raise AuditBroken(
            N_("The audit log is broken at entry {entry}: it was changed after it was written."), entry=verdict.at
        )
    if verdict.problem == "cut":
        raise AuditBroken(
            N_(
                "The audit log was cut short: the key vault's anchor says {expected:,} entries were written, "
                "the log holds {entries:,}; entries from {entry} on were removed."
            ),
            expected=verdict.expected,
            entries=verdict.entries,
            entry=verdict.at,
        )
    if verdict.problem == "rewritten":
        raise AuditBroken(
            N_("The audit log was rewritten: entry {entry} is not the one the key vault anchored."), entry=verdict.at
        )
    click.echo(
        f"The audit log is intact: {verdict.entries:,} entries, each chained to the one before, "
        "ending where the key vault's anchor says."
    )
