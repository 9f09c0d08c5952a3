"""``cdp serve``: the web application with the waitress WSGI server.

``kundenbild.cli`` adds it to the ``cdp`` command; the hooks the application
needs come from the wiring the command runs with (``cdp.cli.wiring``).
"""

from __future__ import annotations

import signal
import threading

import click
import waitress

from cdp import config
from cdp.cli import wiring
from consent import retention
from web.app import body_limit, create_app


@click.command()
@click.option("--host", default=None, help="Address to listen on (default CDP_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default CDP_PORT, 5000).")
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger; never in production.")
def serve(host: str | None, port: int | None, debug: bool) -> None:
    """Run the web application with the waitress WSGI server."""
    host = host or config.setting("CDP_HOST") or "127.0.0.1"
    port = port or config.whole_number("CDP_PORT", 1, 65535)
    threads = config.whole_number("CDP_THREADS", 1, 60)
    proxied = proxy_settings()
    app = create_app({"WIRING": wiring()})
    store = app.extensions["cdp_store"]
    hours = config.whole_number("CDP_RETENTION_HOURS", 0, 24 * 366)
    stopping = threading.Event()
    if hours:
        retention.keep_running(store, hours, app.config["CDP_LOGGER"], stopping)
    click.echo(f"Kundenbild is running at http://{host}:{port}/ (Ctrl+C stops it).")
    signal.signal(signal.SIGTERM, _stop)
    try:
        if debug:
            app.run(host=host, port=port, debug=True)
        else:
            waitress.serve(
                app, host=host, port=port, threads=threads, ident="Kundenbild", **proxied,
                **body_settings(app.config["MAX_UPLOAD_MB"]),
            )  # fmt: skip
    finally:
        stopping.set()
        store.close()


def _stop(*_: object) -> None:
    """SIGTERM (systemd's stop) ends the server as Ctrl+C does, so that the store is closed cleanly."""
    raise KeyboardInterrupt


RESPONSE_IN_MEMORY = 512 * 2**20  # bytes of one response waitress keeps in memory instead of a temporary file


def body_settings(upload_mb: int) -> dict[str, int]:
    """Request and response bodies stay in memory: waitress writes a request body larger than
    ``inbuf_overflow`` (512 kB) and a response larger than ``outbuf_overflow`` (1 MB) to a temporary file,
    and an upload or an access report is personal data in plaintext.

    waitress reads a whole body before the application sees it, so it holds
    what it takes in memory, and refuses (with its own plain 413) a body
    larger than twice the application's limit; one between the two gets
    Kundenbild's own page saying the limit. Responses (an access report's
    zip, a CSV export) are built in memory by the application already.
    """
    most = 2 * body_limit(upload_mb)
    return {"inbuf_overflow": most, "max_request_body_size": most, "outbuf_overflow": RESPONSE_IN_MEMORY}


def proxy_settings() -> dict[str, object]:
    """What waitress needs to believe one reverse proxy (``CDP_PROXY``).

    waitress drops ``X-Forwarded-*`` headers from peers it does not trust
    before the application sees them; so the trust is given to waitress,
    which then puts the client's address in ``REMOTE_ADDR`` and the scheme in
    ``wsgi.url_scheme``. ``on`` trusts a proxy on this machine (127.0.0.1);
    an address trusts the proxy at that address.
    """
    value = (config.setting("CDP_PROXY") or "off").strip().lower()
    if value in ("off", "0", "no", "false"):
        return {}
    proxy = "127.0.0.1" if value in ("on", "1", "yes", "true") else config.ip_address("CDP_PROXY")
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }
