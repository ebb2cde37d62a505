"""`linernotes coop ...`: the cooperative from this device — join with consent, preview, contribute, status,
sync (fetch the newest release), withdraw. Thin: the work is in :mod:`linernotes.coop.client.api`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from linernotes.cli.options import complete, db_option, json_option
from linernotes.clickgroup import CliGroup

SCOPES = ("benchmarks", "taste")  # linernotes.coop.contract's scopes, for completion (the server names its own)
scope_option = click.option("--scope", default="benchmarks", show_default=True, shell_complete=complete(SCOPES),
                            help="benchmarks or taste.")
yes_option = click.option("--yes", is_flag=True, help="Do not ask; you have read what it does.")


@click.group("coop", cls=CliGroup, no_args_is_help=True)
def coop_group() -> None:
    """The cooperative: share minimised data with explicit consent, withdraw at will."""


def _say(text: str) -> None:
    """Print a line that holds text from the server: control and bidi characters shown as '?' (a hostile
    server must not be able to rewrite the terminal or disguise a purpose)."""
    from linernotes.terminal import inert

    click.echo("\n".join(inert(line) for line in text.split("\n")))


def _state_path(db: Path | None) -> Path:
    from linernotes.coop.sidecars import state_path
    from linernotes.store.db import default_db_path

    return state_path(Path(db).expanduser() if db else default_db_path())


@coop_group.command("join")
@click.argument("url")
@click.option("--scope", multiple=True, shell_complete=complete(SCOPES),
              help="Scope to consent to (repeat for several; default benchmarks).")
@yes_option
@db_option
def join_cmd(url: str, scope: tuple[str, ...], yes: bool, db: Path | None) -> None:
    """Show the cooperative's purposes for each scope and join the server at URL (https://...) if you explicitly
    consent. Run again for the server you joined when its signing key changed: it shows both keys and asks
    whether to trust the new one."""
    from linernotes.coop.client import api, state

    scopes = sorted(set(scope or ["benchmarks"]))
    path = _state_path(db)
    terms = api.fetch_terms(url)
    st = state.load(path)
    if api.same_server(st, url) and api.key_changed(st, terms):
        _trust_new_key(path, st, terms, yes)
        return
    purposes = {p["scope"]: p for p in terms["purposes"]}
    _say(f"{terms['controller']} ({terms['jurisdiction']}), policy: {terms['policy_url']}")
    for s in scopes:
        p = purposes.get(s)
        if p is None:
            from linernotes.errors import UsageError

            raise UsageError(f"the server offers no scope {s!r}")
        _say(f"\nscope {s}: {p['purpose']}\n  shared: {'; '.join(p['data'])}\n  released: {p['releases']}")
        for field, why in p["fields"].items():
            _say(f"    {field}: {why}")
    _say(f"\nleaving: {terms['termination']}")
    _say("Nothing is sent until you run `linernotes coop contribute`, and `coop preview` shows it first.")
    consent = yes or click.confirm(f"Do you consent to the purposes of {', '.join(scopes)}?", default=False)
    st = api.join(path, url, scopes, terms, consent=consent)
    receipt = st["consent_receipt"]["payload"]
    _say(f"joined: consent receipt {receipt['consentReceiptID']} (signed, key {st['key_id']}), "
         f"kept in {path.name}")


def _trust_new_key(path: Path, st: dict[str, Any], terms: dict[str, Any], yes: bool) -> None:
    """The member's server announces another signing key: show both ids, keep the new one only if asked to."""
    from linernotes.coop.client import api
    from linernotes.errors import UsageError

    _say(f"the cooperative's key changed since you joined: you joined under {st['key_id']}, "
         f"the server now signs with {terms['key']['key_id']}.")
    _say("A server's key changes when its operator replaces it, or when someone else answers in its name: "
         "trust the new key only if the cooperative announced the change.")
    if not (yes or click.confirm("Trust the new key for this cooperative?", default=False)):
        raise UsageError("the new key was not trusted; nothing was changed")
    st = api.trust_key(path, terms)
    _say(f"now trusting key {st['key_id']} for {st['server']} (your membership is unchanged)")


@coop_group.command("preview")
@scope_option
@db_option
@click.option("--output", type=click.Path(path_type=Path), help="Also write the exact body bytes to this file.")
def preview_cmd(scope: str, db: Path | None, output: Path | None) -> None:
    """Print exactly what `coop contribute` would send, byte for byte, and what each field is for."""
    from linernotes.coop.client import api
    from linernotes.library import open_library

    with open_library(db, read_only=True) as lib:
        shown = api.preview(lib, _state_path(db), scope)
    click.echo(f"{shown.method} {shown.url}")
    for name, value in shown.headers.items():
        click.echo(f"{name}: {value}")
    click.echo(f"Content-Length: {len(shown.body)}\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(shown.body)
    sys.stdout.buffer.write(b"\n\n")
    sys.stdout.buffer.flush()
    click.echo(f"The body above is all that is sent: {len(shown.body)} bytes, sha256 {shown.sha256}.")
    for field, why in shown.fields.items():
        click.echo(f"  {field}: {why}")
    if output is not None:
        output.write_bytes(shown.body)
        click.echo(f"body written to {output}")


@coop_group.command("contribute")
@scope_option
@db_option
def contribute_cmd(scope: str, db: Path | None) -> None:
    """Send this library's package for a scope (what `coop preview` shows); replaces your previous one."""
    from linernotes.coop.client import api
    from linernotes.library import open_library

    api.member(_state_path(db))  # before opening the library: say first what is missing
    with open_library(db, read_only=True) as lib:
        answer = api.contribute(lib, _state_path(db), scope)
    verb = "replaced your previous package" if answer["replaced"] else "contributed"
    _say(f"{verb}: {scope} package {answer['package_id']}, {answer['bytes']} bytes, "
               f"sha256 {answer['sha256']}")


@coop_group.command("status")
@db_option
@json_option
@click.option("--offline", is_flag=True, help="Do not ask the server.")
def status_cmd(db: Path | None, as_json: bool, offline: bool) -> None:
    """Your membership: consent receipt, what you contributed, and what the server says it holds."""
    from linernotes.coop.client import api
    from linernotes.terminal import print_json

    shown = api.status(_state_path(db), remote=not offline)
    if as_json:
        print_json(shown)
        return
    if not shown["member"]:
        _say(f"not a member of a cooperative (state: {shown['state_file']})")
        for past in shown.get("history", []):
            if past.get("erasure_receipt") is None:
                _say(f"  left {past['server']} on this device only, without an erasure receipt "
                     f"(contributor id {past.get('contributor_id', '?')})")
                continue
            e = past["erasure_receipt"]["payload"]
            _say(f"  withdrew from {past['server']}: erasure receipt {e['erasureReceiptID']}, "
                 f"{e['packagesDeleted']} packages deleted")
        return
    receipt = shown["consent_receipt"]["payload"]
    _say(f"member of {shown['server']} for {', '.join(shown['scopes'])}")
    _say(f"  contributor id {shown['contributor_id']} (random, made on this device)")
    _say(f"  consent receipt {receipt['consentReceiptID']} ({receipt['jurisdiction']}, "
         f"controller {receipt['piiControllers'][0]['piiController']}, policy {receipt['policyUrl']})")
    for c in shown.get("server_holds", {}).get("contributions", []):
        _say(f"  server holds: {c['scope']} package {c['package_id']}, {c['bytes']} bytes, "
             f"received {c['received_at']}")
    if "server_holds" in shown and not shown["server_holds"]["contributions"]:
        _say("  server holds: no package yet (`linernotes coop contribute`)")
    if shown.get("key_changed"):
        _say(f"  the cooperative's key changed since you joined (you joined under {shown['key_id']}, it now "
             f"signs with {shown['server_key_id']}): its receipts and releases are not accepted until you "
             f"trust it; if you do, run `linernotes coop join {shown['server']}` again")
    if shown.get("unconfirmed_erasure") is not None:
        _say("  a withdrawal is not confirmed yet: run `linernotes coop withdraw` again")


@coop_group.command("sync")
@db_option
def sync_cmd(db: Path | None) -> None:
    """Fetch the cooperative's newest differentially private release and keep it beside the library, for
    `linernotes crowd`, the report and the dashboard (your place in it is computed here, never sent)."""
    from linernotes.coop.client import api
    from linernotes.store.db import default_db_path

    library = Path(db).expanduser() if db else default_db_path()
    payload = api.sync(_state_path(db), library)
    _say(f"release {payload['release_id']} (published {payload['published']}, ε={payload['privacy']['epsilon']:g}) "
         f"verified and kept beside {library.name}: see `linernotes crowd`")


@coop_group.command("withdraw")
@db_option
@yes_option
@click.option("--forget", is_flag=True, help="If the server does not confirm the erasure with a signed receipt, "
              "drop the membership from this device anyway.")
def withdraw_cmd(db: Path | None, yes: bool, forget: bool) -> None:
    """Leave the cooperative: the server deletes your packages and every row about you, and signs a receipt.
    Your membership stays on this device until that receipt verifies (or you add --forget)."""
    from linernotes.coop.client import api, state
    from linernotes.errors import UsageError

    path = _state_path(db)
    st = state.load(path)
    if not state.joined(st):
        raise UsageError("not a member of a cooperative: nothing to withdraw")
    if not (yes or click.confirm(f"Withdraw from {st['server']} and delete everything it holds about you?",
                                 default=False)):
        raise UsageError("not withdrawn")
    done = api.withdraw(path, forget=forget)
    if done.receipt is None:
        _say(f"forgotten on this device only: the server did not confirm the erasure ({done.why}). It may still "
             f"hold data under contributor id {done.contributor_id}: ask its controller to erase it")
        return
    _say(f"withdrawn: {done.receipt['packagesDeleted']} packages and every row about you deleted; "
         f"erasure receipt {done.receipt['erasureReceiptID']} (signed) kept in {path.name}")
