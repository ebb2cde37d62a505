"""`linernotes serve`: the local dashboard in a browser."""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import click

from linernotes.cli.options import db_option
from linernotes.clickgroup import CONTEXT_SETTINGS

TOKEN_ENV = "LINERNOTES_TOKEN"
# linernotes.web.uploads.DEFAULT_MAX_UPLOAD in MiB (importing it here would load FastAPI at every command start;
# a test keeps the two equal).
DEFAULT_MAX_UPLOAD_MB = 256


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@db_option
@click.option("--port", type=int, default=0, help="Port to listen on (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (anything but loopback: reachable from other machines, with the token).")
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in the browser.")
@click.option("--max-upload-mb", type=int, default=DEFAULT_MAX_UPLOAD_MB, show_default=True,
              help="Largest export accepted from the browser, in MiB (held in memory).")
def serve_cmd(db: Path | None, port: int, host: str, open_browser: bool, max_upload_mb: int) -> None:
    """Open a dashboard of your library in the browser: overview, artists, chapters, ask, imports and rules.

    It listens on this machine only (127.0.0.1) unless --host says otherwise. Every request needs the access
    token in the URL printed here (other users of this machine cannot read your library through it); set
    LINERNOTES_TOKEN to choose the token yourself. Stop it with Ctrl-C.
    """
    from linernotes.errors import UsageError
    from linernotes.loopback import is_loopback
    from linernotes.serving import bind, make_server, url_of
    from linernotes.web import create_app
    from linernotes.web.security import check_binding, new_token

    if max_upload_mb < 1:
        raise UsageError("--max-upload-mb must be at least 1")
    # From the environment, never an option: another user can read a process's arguments.
    token = os.environ.get(TOKEN_ENV) or new_token()
    check_binding(host, token)
    from linernotes.store.db import default_db_path

    app = create_app(db or default_db_path(), token, local_only=is_loopback(host),
                     max_upload=max_upload_mb * 1024**2, prepare=True)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = f"{url_of(sock)}/?{urlencode({'token': token})}"
    click.echo(f"linernotes dashboard: {url}")
    click.echo("Open it with its token (it lets you in); Ctrl-C stops it.")
    with contextlib.ExitStack() as stack:
        if open_browser:
            stack.enter_context(_open_in_browser(url))
        make_server(app).run(sockets=[sock])


@contextlib.contextmanager
def _open_in_browser(url: str) -> Iterator[None]:
    """Open ``url`` through a private redirect file: a browser started with the URL as its argument would
    show the token to every user of the machine (``ps``). The file goes when the server stops."""
    import webbrowser

    folder = Path(tempfile.mkdtemp(prefix="linernotes-open-"))  # 0700
    page = folder / "open.html"
    fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        target = html.escape(url, quote=True)
        out.write(f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}">'
                  f'<a href="{target}">linernotes dashboard</a>\n')
    try:
        webbrowser.open(page.as_uri())
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)
