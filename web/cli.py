"""The full ``cdp`` command: the core's commands plus ``serve``.

The core (``cdp.cli``) knows nothing of the web; this module adds the one
command that needs it, keeping dependencies pointing from ``web`` to ``cdp``.
"""

from __future__ import annotations

import click
import waitress

from cdp import config
from cdp.cli import main
from web.app import create_app


@main.command()
@click.option("--host", default=None, help="Address to listen on (default CDP_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default CDP_PORT, 5000).")
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger; never in production.")
def serve(host: str | None, port: int | None, debug: bool) -> None:
    """Run the web application with the waitress WSGI server."""
    host = host or config.setting("CDP_HOST") or "127.0.0.1"
    port = port or config.whole_number("CDP_PORT", 1, 65535)
    threads = config.whole_number("CDP_THREADS", 1, 60)
    app = create_app()
    click.echo(f"Kundenbild is running at http://{host}:{port}/ (Ctrl+C stops it).")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        waitress.serve(app, host=host, port=port, threads=threads, ident="Kundenbild")


if __name__ == "__main__":
    main()
