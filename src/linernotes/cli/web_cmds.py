"""`linernotes serve`: the local dashboard in a browser."""

from __future__ import annotations

from typing import Annotated

import typer

from linernotes.cli.common import DbOption


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("serve")(serve_cmd)


def serve_cmd(
    db: DbOption = None,
    port: Annotated[int, typer.Option("--port", help="Port to listen on (default: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback needs the "
                                                     "access token printed at start.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the dashboard in the browser.")] = False,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", help="Largest export accepted from the "
                                                                       "browser, in MiB (held in memory).")] = 1024,
) -> None:
    """Open a dashboard of your library in the browser: overview, artists, chapters, ask, imports and rules.

    It listens on this machine only (127.0.0.1) unless --host says otherwise; then every request needs the
    access token printed here. Stop it with Ctrl-C.
    """
    import webbrowser

    from linernotes.errors import UsageError
    from linernotes.web import create_app
    from linernotes.web.security import check_binding, is_loopback, new_token
    from linernotes.web.server import bind, make_server, url_of

    if max_upload_mb < 1:
        raise UsageError("--max-upload-mb must be at least 1")
    token = None if is_loopback(host) else new_token()
    check_binding(host, token)
    from linernotes.store.db import default_db_path

    app = create_app(db or default_db_path(), token, max_upload=max_upload_mb * 1024**2, prepare=True)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = url_of(sock)
    typer.echo(f"linernotes dashboard: {url}/")
    if token is not None:
        typer.echo(f"access token (shown once): {token}")
        typer.echo(f"open: {url}/?token={token}")
    typer.echo("Ctrl-C stops it.")
    if open_browser:
        webbrowser.open(f"{url}/" + (f"?token={token}" if token else ""))
    make_server(app).run(sockets=[sock])
