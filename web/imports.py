"""The import page: upload a file, check how its columns map, import it, read what happened.

Three plain forms, each answered with a whole page, or with htmx with the
fragment that replaces the one before (``#import``). The uploaded bytes wait
in memory between the preview and the import (``web.uploads``); the import
runs in the request, through the same pipeline and hooks as ``cdp import``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, abort, current_app, g, render_template, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from cdp.errors import CdpError, FollowUpFailed, ImportRejected, render
from cdp.ingest import mappings, pipeline
from cdp.ingest.layout import KINDS
from cdp.ingest.pipeline import ImportResult
from cdp.staff.roles import IMPORTS
from web import access, auth, errors
from web.access import allow
from web.context import actor, is_htmx, region, store, wiring
from web.uploads import Upload, WaitingUploads

blueprint = Blueprint("imports", __name__, url_prefix="/import")
SHOWN_PROBLEMS = 100


@blueprint.app_context_processor
def navigation() -> dict:
    user = g.get("user")
    return {"may_import": user is not None and user.role in IMPORTS}


@blueprint.get("")
@allow(*IMPORTS)
def start():
    return _answer("upload", form={}, errors={})


@blueprint.post("/preview")
@allow(*IMPORTS)
def check():
    """Read the uploaded file and show its format, first rows and mapping; nothing is written."""
    form, file = request.form, request.files.get("file")
    source, kind = form.get("source", "").strip(), form.get("kind") or None
    if kind not in (None, *KINDS):
        abort(400)
    problems = _upload_problems(file, source)
    if problems:
        return _answer("upload", form=form, errors=problems), 422
    name = PurePosixPath(file.filename.replace("\\", "/")).name
    data = file.read()
    if name.lower().endswith(".zip"):
        return _archive(name, data, source, form)
    try:
        found = pipeline.preview(name, data, kind=kind)
    except ImportRejected as rejected:
        return _answer("upload", form=form, errors={}, problems=_problems(rejected.problems)), 422
    upload = Upload(name, data, source, found)
    token = _waiting().keep(upload, session.get("sid", ""))
    layout = mappings.layout_of(store(), found.format_key, found.columns)
    saved = mappings.recall(store(), source, found.kind, layout)
    chosen = mappings.choices(found, saved.overrides if saved else None)
    return _preview(token, upload, chosen, saved=saved)


@blueprint.post("/run")
@allow(*IMPORTS)
def run():
    """Import the waiting file with the chosen mapping; the summary, or why nothing was imported."""
    token = request.form.get("upload", "")
    upload = _waiting().get(token, session.get("sid", ""))
    if upload is None or upload.preview is None:
        expired = {"file": _("The uploaded file is no longer waiting (30 minutes at most). Please choose it again.")}
        return _answer("upload", form={}, errors=expired), 422
    chosen = _chosen(upload)
    save, strict = request.form.get("save") == "on", request.form.get("strict") == "on"
    try:
        overrides = mappings.overrides(upload.preview, chosen)
    except ValueError:
        abort(400)
    try:
        result, follow_up = _import(upload, overrides, strict), None
    except ImportRejected as rejected:
        return _preview(token, upload, chosen, problems=_problems(rejected.problems), save=save, strict=strict), 422
    except FollowUpFailed as failed:
        result, follow_up = failed.result, failed.render(_)
    _waiting().drop(token)
    unsaved = _save(upload, overrides) if save else None
    return _answer("result", result=result, follow_up=follow_up, saved=save and not unsaved, unsaved=unsaved,
                   **_outcome(result))  # fmt: skip


@blueprint.post("/run-archive")
@allow(*IMPORTS)
def run_archive():
    """Import every usable file of the waiting zip archive, contacts first; each file's summary."""
    token = request.form.get("upload", "")
    upload = _waiting().get(token, session.get("sid", ""))
    if upload is None or upload.preview is not None:
        expired = {"file": _("The uploaded file is no longer waiting (30 minutes at most). Please choose it again.")}
        return _answer("upload", form={}, errors=expired), 422
    try:
        outcome = pipeline.import_archive(
            store(), upload.name, upload.data, upload.source, strict=request.form.get("strict") == "on",
            region=region(), actor=actor(), after_import=wiring().after_import,
        )  # fmt: skip
    except ImportRejected as rejected:
        return _answer("upload", form={}, errors={}, problems=_problems(rejected.problems)), 422
    _waiting().drop(token)
    files = [{"member": member, "result": result, **_outcome(result)} for member, result in outcome.imported]
    refused = (outcome.refused[0], _problems(outcome.refused[1].problems)) if outcome.refused else None
    return _answer("archive_result", source=upload.source, files=files, refused=refused, skipped=outcome.skipped)


def _archive(name: str, data: bytes, source: str, form):
    """The files a zip archive holds that can be imported, waiting for the user's go."""
    try:
        contents = pipeline.archive_contents(name, data)
    except ImportRejected as rejected:
        return _answer("upload", form=form, errors={}, problems=_problems(rejected.problems)), 422
    token = _waiting().keep(Upload(name, data, source, None), session.get("sid", ""))
    usable = [member for member, _ in contents.usable]
    return _answer("archive", token=token, name=name, source=source, usable=usable, skipped=contents.skipped)


@blueprint.errorhandler(413)
def too_large(error: HTTPException):
    """The upload form again, saying the limit; the size was met before the user was known (the CSRF check)."""
    if g.get("user") is None:
        auth.load_user()
    if access.decision() != "ok":
        return errors.too_large(error)
    return _answer("upload", form={}, errors={"file": errors.too_large_message()}), 413


def _waiting() -> WaitingUploads:
    return current_app.extensions["cdp_uploads"]


def _upload_problems(file, source: str) -> dict[str, str]:
    problems = {}
    if file is None or not file.filename:
        problems["file"] = _("Please choose a file.")
    try:
        pipeline.check_source_name(source)
    except ImportRejected as rejected:
        problems["source"] = render(rejected.problems[0][1], _)
    return problems


def _chosen(upload: Upload) -> dict[str, str]:
    """Each column's choice from the form (its select is named by the column's position), the preview's otherwise."""
    own = mappings.choices(upload.preview)
    return {
        column: request.form.get(f"column-{position}", own[column])
        for position, column in enumerate(upload.preview.columns)
    }


def _save(upload: Upload, overrides: dict[str, str]) -> str | None:
    """Save the mapping for the upload's source; why it could not be, since the import is committed either way."""
    layout = mappings.layout_of(store(), upload.preview.format_key, upload.preview.columns)
    try:
        mappings.remember(store(), upload.source, upload.preview.kind, layout, overrides, actor())
    except CdpError as error:
        return error.render(_)
    return None


def _import(upload: Upload, overrides: dict[str, str], strict: bool) -> ImportResult:
    return pipeline.import_data(
        store(), upload.name, upload.data, upload.source, kind=upload.preview.kind, overrides=overrides, strict=strict,
        region=region(), actor=actor(), after_import=wiring().after_import,
    )  # fmt: skip


def _preview(token: str, upload: Upload, chosen: dict[str, str], **context):
    columns = [
        {"position": position, "name": column, "choice": chosen[column],
         "options": mappings.options(upload.preview, column)}
        for position, column in enumerate(upload.preview.columns)
    ]  # fmt: skip
    context.setdefault("save", False)
    return _answer("preview", token=token, upload=upload, preview=upload.preview, columns=columns, **context)


def _problems(problems: list[tuple[int | None, str]]) -> dict:
    """The first problems in the reader's language, each with its line, and how many more there are."""
    shown = [(line, render(reason, _)) for line, reason in problems[:SHOWN_PROBLEMS]]
    return {"shown": shown, "more": len(problems) - len(shown)}


def _outcome(result: ImportResult) -> dict:
    return {"skipped": _problems(result.skipped), "unreadable": sorted(result.unreadable.items())}


def _answer(step: str, **context) -> str:
    """The step's fragment for htmx, the whole import page otherwise."""
    context.update(extra=mappings.EXTRA, leave_out=mappings.LEAVE_OUT, kinds=KINDS)
    if is_htmx():
        return render_template(f"_import_{step}.html", **context)
    return render_template("import.html", step=step, **context)
