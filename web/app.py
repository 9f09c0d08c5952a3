"""The application factory: settings, the store, blueprints, security, language.

``create_app`` reads the defaults, then the environment, then the overrides a
test passes. The store is opened here, inside the factory, never at import
time; the key reaches the engine nowhere else.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from cdp import config, logs
from cdp.store.database import Store, open_store
from cdp.store.keys import load_master_key
from web import api, auth, campaigns, consent, customers, dpo, dsr, errors, i18n, imports, profiles, review, security
from web.uploads import InMemoryRequest, WaitingUploads


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A configured Kundenbild web application."""
    app = Flask(__name__)
    # Uploads are parsed into memory: an import file must not reach the disk in plaintext.
    app.request_class = InMemoryRequest
    app.url_map.converters["int"] = StoreInteger
    app.config.update(_defaults())
    app.config.update(test_config or {})
    app.config["MAX_CONTENT_LENGTH"] = body_limit(app.config["MAX_UPLOAD_MB"])
    if "WIRING" not in app.config:
        raise RuntimeError("create_app needs the WIRING of its hooks (see kundenbild.bootstrap).")
    store = app.config.get("STORE") or _open_configured_store()
    app.config["WIRING"].finish_erasures(store)
    app.extensions["cdp_store"] = store
    app.extensions["cdp_uploads"] = WaitingUploads()
    app.secret_key = store.meta("web_secret", lambda: secrets.token_hex(32))
    app.config["CDP_LOGGER"] = logs.setup(app.config["LOG_DIR"], config.setting("CDP_LOG_LEVEL") or "INFO")
    security.configure_cookies(app)
    CSRFProtect(app)
    # The catalogues are the program's, not the web's own: the wiring names their folder.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.config["WIRING"].translations))
    Babel(app, locale_selector=i18n.select_locale)
    app.jinja_env.globals.update(i18n.template_helpers())
    blueprints = (auth, profiles, customers, campaigns, consent, review, dpo, dsr, imports, api)
    for blueprint in (module.blueprint for module in blueprints):
        app.register_blueprint(blueprint)
    api.exempt_from_csrf(app)
    app.before_request(auth.load_user)
    app.before_request(security.enforce_access)
    app.after_request(security.add_headers)
    errors.register(app)
    return app


class StoreInteger(IntegerConverter):
    """Ids in routes: no larger than SQLite's integers, so a larger one is a plain 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def _defaults() -> dict[str, Any]:
    paths = config.paths()
    return {
        "LOG_DIR": paths.log_dir,
        "TLS": _switch("CDP_TLS"),
        "REGION": config.default_region(),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_UPLOAD_MB": config.max_upload_mb(),
    }


def body_limit(upload_mb: int) -> int:
    """The largest request body for files of ``upload_mb`` MB: the file, and room for the form around it."""
    return upload_mb * 1024 * 1024 + 64 * 1024


def _switch(name: str) -> bool:
    return (config.setting(name) or "off").lower() in ("on", "1", "true", "yes")


def _open_configured_store() -> Store:
    paths = config.paths()
    return open_store(paths, load_master_key(paths))
