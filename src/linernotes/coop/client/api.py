"""The cooperative from the device: read the terms, join with explicit consent, preview and send a
package, check what the server holds, withdraw. Every call says what it sends before it sends it (the CLI
prints the terms and the preview), talks only to the server the person named, and verifies the signed
receipts it gets back with the server's public key (kept from the join).

The server is not trusted to be well behaved (:mod:`.transport`): redirects are refused, so the token never
goes anywhere else; plain ``http://`` is accepted for loopback servers only; every answer is capped in size
(per endpoint, below) and time, and checked for shape before anything reads it, so a malformed answer is a
one-line :class:`CoopError`. A signing key other than the one kept from the join is never accepted silently:
the person is told, and ``coop join`` with the same server asks them whether to trust the new key.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from linernotes.coop import contract, signing, terms, wire
from linernotes.coop.client import package, state, transport
from linernotes.coop.client.answers import (
    KEY_ID,
    CoopError,
    KeyChanged,
    Refused,
    Shape,
    consent_payload,
    public_key_of,
)
from linernotes.errors import UsageError
from linernotes.loopback import checked_base_url
from linernotes.terminal import inert

TIMEOUT = 30.0  # seconds for a whole exchange (connect, headers, body) with small answers
RELEASE_TIMEOUT = 120.0  # a release is up to a few MB: room for a slow link

# The most each answer may hold. Measured on the real server: terms 2.4 kB, join 2.2 kB, /v1/me 2.7 kB,
# withdraw 0.9 kB, contribute 0.2 kB; the operator's free-text fields (controller, policy URL) can grow them a
# little, so 64 KiB is ~25x headroom. The largest release the contract and the default release configuration
# allow (8 metrics x 1000 bins, 200 top artists and a 1000-artist taste vocabulary of 200-character names in
# 4-byte UTF-8, 16-dimensional vectors) is ~1.2 MB (tests/test_hardening_coop_client.py computes it); 8 MiB
# leaves room for a larger vocabulary and refuses a 400 MB answer after 8 MiB.
SMALL_LIMIT = 64 * 1024
CONTRIBUTE_LIMIT = 4 * 1024
RELEASE_LIMIT = 8 * 1024 * 1024

_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]{16,512}$")  # it goes into a header: no spaces, no CR/LF


@dataclass(frozen=True)
class Preview:
    """Exactly what ``contribute`` would send: method, URL, headers (the token masked) and body bytes."""

    scope: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, str]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def check_url(url: str) -> str:
    """The server's base URL, normalised; refused unless HTTPS or a loopback address."""
    return checked_base_url(url)


def _call(method: str, url: str, *, limit: int, body: bytes | None = None, token: str | None = None,
          write: bool = False, timeout: float | None = None) -> Any:
    """One exchange with the server; the answer's JSON (any shape: the caller checks it)."""
    headers = {"Accept": "application/json", "User-Agent": "linernotes"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if write:
        headers["X-Coop-Nonce"] = secrets.token_urlsafe(24)
        headers["X-Coop-Timestamp"] = str(int(time.time()))
    try:
        reply = transport.exchange(method, url, headers=headers, body=body, limit=limit,
                                   timeout=TIMEOUT if timeout is None else timeout)
    except transport.TransportError as exc:
        raise CoopError(str(exc)) from None
    if not 200 <= reply.status < 300:
        raise Refused(reply.status, f"the server refused ({reply.status}){_detail(reply.body)}")
    try:
        return orjson.loads(reply.body)
    except orjson.JSONDecodeError as exc:
        raise CoopError(f"the server's answer is not valid JSON ({str(exc).split(':')[0]})") from None


def _detail(body: bytes) -> str:
    try:
        detail = orjson.loads(body).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        return ""
    return f": {inert(detail)[:200]}" if isinstance(detail, str) and detail else ""


def fetch_terms(url: str) -> dict[str, Any]:
    """The server's terms: purposes per scope, controller, policy, public key (checked for shape)."""
    found = _call("GET", check_url(url) + "/v1/terms", limit=SMALL_LIMIT)
    if not isinstance(found, dict) or "purposes" not in found or "key" not in found:
        raise CoopError("the server is not a linernotes cooperative server (no terms)")
    shape = Shape("terms")
    for key in ("terms_version", "controller", "jurisdiction", "policy_url", "termination"):
        shape.text(found, key)
    for p in shape.items(found, "purposes"):
        shape.obj(p, "purposes[]")
        shape.text(p, "scope")
        shape.text(p, "purpose")
        shape.text(p, "releases")
        shape.texts(p, "data")
        fields = p.get("fields")
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise shape.fail("fields", "an object of strings")
    public_key_of(shape.obj(found["key"], "key"), shape)
    return found


def _public_key(st: dict[str, Any]) -> bytes:
    return base64.b64decode(st["public_key"])


def key_changed_message(st: dict[str, Any], new_key_id: Any, what: str) -> str:
    shown = new_key_id if isinstance(new_key_id, str) and KEY_ID.match(new_key_id) else "an unknown key"
    return (f"the cooperative's key changed since you joined: its {what} is signed with {shown}, not "
            f"{st['key_id']}, and was not accepted. If you trust the new key, run "
            f"`linernotes coop join {st['server']}` again")


def _verified(document: Any, public: bytes, what: str, st: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload of a signed answer; a key other than the member's kept one is named as such."""
    if st is not None and isinstance(document, dict) and document.get("key_id") != st["key_id"]:
        raise KeyChanged(key_changed_message(st, document.get("key_id"), what))
    try:
        payload = signing.verify(document, public)
    except signing.SignatureError:
        raise CoopError(f"the server's {what} does not verify with its public key") from None
    return Shape(what).obj(payload, "payload")


def join(state_path: Path, url: str, scopes: list[str], server_terms: dict[str, Any], *,
         consent: bool) -> dict[str, Any]:
    """Join ``url`` for ``scopes`` after the person agreed to ``server_terms`` (as fetched and shown).

    A new random contributor id is made here; nothing about the library or account goes into it.
    """
    if not consent:
        raise UsageError("joining needs your explicit consent; nothing was sent")
    unknown = [s for s in scopes if s not in contract.SCOPES]
    if unknown or not scopes:
        raise UsageError(f"unknown scope {', '.join(unknown) or '(none)'} (choose from: {', '.join(contract.SCOPES)})")
    st = state.load(state_path)
    if state.joined(st):
        raise UsageError(f"already a member of {st['server']} (withdraw first to join again)")
    base = check_url(url)
    key_id, public = public_key_of(server_terms["key"], Shape("terms"))
    contributor_id = secrets.token_hex(16)
    wanted = sorted(set(scopes))
    body = orjson.dumps({"contributor_id": contributor_id, "scopes": wanted,
                         "terms_version": server_terms["terms_version"], "consent": True})
    answer = Shape("join answer").obj(_call("POST", base + "/v1/contributors", body=body, write=True,
                                             limit=SMALL_LIMIT))
    token = answer.get("token")
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise Shape("join answer").fail("token", "a token (16-512 URL-safe characters)")
    consent_payload(_verified(answer.get("receipt"), public, "consent receipt"), contributor_id, wanted)
    st.update({"server": base, "contributor_id": contributor_id, "token": token, "key_id": key_id,
               "public_key": base64.b64encode(public).decode(), "scopes": wanted,
               "consent_receipt": answer["receipt"], "contributions": {}})
    st.pop("unconfirmed_erasure", None)
    state.save(state_path, st)
    return st


def same_server(st: dict[str, Any], url: str) -> bool:
    """Whether the member's state is for the server at ``url``."""
    return state.joined(st) and st.get("server") == check_url(url)


def key_changed(st: dict[str, Any], server_terms: dict[str, Any]) -> bool:
    """Whether the key the server now announces differs from the one kept from the join."""
    key_id, public = public_key_of(server_terms["key"], Shape("terms"))
    return (key_id, public) != (st["key_id"], _public_key(st))


def trust_key(state_path: Path, server_terms: dict[str, Any]) -> dict[str, Any]:
    """Keep the server's new key (the person agreed after seeing both ids); the old one stays in
    ``previous_keys`` so the consent receipt signed with it can still be checked. Membership is unchanged."""
    st = member(state_path)
    key_id, public = public_key_of(server_terms["key"], Shape("terms"))
    st.setdefault("previous_keys", []).append({"key_id": st["key_id"], "public_key": st["public_key"]})
    st.update({"key_id": key_id, "public_key": base64.b64encode(public).decode()})
    state.save(state_path, st)
    return st


def preview(lib: Any, state_path: Path, scope: str) -> Preview:
    """What ``contribute(scope)`` would send, byte for byte (built from the library now)."""
    st = state.load(state_path)
    body = wire.encode(package.build(lib, scope))
    base = st.get("server") or "<server>"
    headers = {"Content-Type": "application/json", "Authorization": "Bearer <your token>",
               "X-Coop-Nonce": "<random, new per request>", "X-Coop-Timestamp": "<now, Unix seconds>"}
    fields = {f: terms.FIELD_PURPOSE[f] for f in orjson.loads(body)}
    return Preview(scope, "PUT", f"{base}/v1/contributions/{scope}", headers, body, fields)


def contribute(lib: Any, state_path: Path, scope: str) -> dict[str, Any]:
    """Build and send the ``scope`` package (replacing any earlier one); returns the server's answer."""
    st = member(state_path)
    if scope not in st["scopes"]:
        raise UsageError(f"you did not consent to the {scope} scope (joined for: {', '.join(st['scopes'])})")
    shown = preview(lib, state_path, scope)
    shape = Shape("contribution answer")
    answer = shape.obj(_call("PUT", shown.url, body=shown.body, token=st["token"], write=True,
                             limit=CONTRIBUTE_LIMIT))
    package_id, size = shape.text(answer, "package_id"), shape.count(answer, "bytes")
    shape.flag(answer, "replaced")
    if answer.get("sha256") != shown.sha256 or size != len(shown.body):
        raise CoopError("the server received different bytes than were sent")
    st["contributions"][scope] = {"package_id": package_id, "sha256": shown.sha256, "bytes": size}
    state.save(state_path, st)
    return answer


def status(state_path: Path, *, remote: bool = True) -> dict[str, Any]:
    """The local state (token masked) and, with ``remote``, what the server says it holds and whether its
    key is still the one kept from the join (``key_changed``)."""
    st = state.load(state_path)
    shown: dict[str, Any] = {k: v for k, v in st.items() if k != "token"}
    shown["member"] = state.joined(st)
    shown["state_file"] = state_path.name
    if remote and state.joined(st):
        shape = Shape("status answer")
        holds = shape.obj(_call("GET", st["server"] + "/v1/me", token=st["token"], limit=SMALL_LIMIT))
        for c in shape.items(holds, "contributions"):
            c = shape.obj(c, "contributions[]")
            shape.text(c, "scope")
            shape.text(c, "package_id")
            shape.text(c, "received_at")
            shape.count(c, "bytes")
        shown["server_holds"] = holds
        key = Shape("key answer")
        key_id, public = public_key_of(key.obj(_call("GET", st["server"] + "/v1/key", limit=SMALL_LIMIT)), key)
        shown["key_changed"] = (key_id, public) != (st["key_id"], _public_key(st))
        shown["server_key_id"] = key_id
    return shown


def _erasure(document: Any, st: dict[str, Any]) -> dict[str, Any]:
    """The payload of an erasure receipt for this member, verified with the kept key."""
    receipt = _verified(document, _public_key(st), "erasure receipt", st)
    shape = Shape("erasure receipt")
    shape.text(receipt, "erasureReceiptID")
    shape.count(receipt, "packagesDeleted")
    if receipt.get("piiPrincipalId") != st["contributor_id"]:
        raise CoopError("the erasure receipt is for someone else")
    return receipt


def _leave(state_path: Path, st: dict[str, Any], document: dict[str, Any] | None, why: str | None = None) -> None:
    """Forget the membership here, keeping its receipts (and, without an erasure receipt, why) in history."""
    entry: dict[str, Any] = {"server": st["server"], "contributor_id": st["contributor_id"],
                             "consent_receipt": st.get("consent_receipt"), "erasure_receipt": document}
    if document is None:
        entry["forgotten_without_receipt"] = why
    state.save(state_path, {"version": state.VERSION, "history": [*st.get("history", []), entry]})


@dataclass(frozen=True)
class Withdrawal:
    """How a withdrawal ended: with a verified erasure ``receipt`` (payload), or ``forgotten`` on this device
    without one (``--forget``), ``why`` saying what the server did instead."""

    receipt: dict[str, Any] | None
    contributor_id: str
    why: str = ""


def withdraw(state_path: Path, *, forget: bool = False) -> Withdrawal:
    """Withdraw from the cooperative: the server deletes everything about you and signs an erasure receipt.

    The membership (token) is dropped here only once that receipt verifies with the kept key: while the server
    has not proven the erasure, the device keeps what it needs to ask again, and the error says so. With
    ``forget``, a withdrawal the server does not confirm still drops the membership here (recorded as such).
    """
    st = member(state_path)
    pending = st.get("unconfirmed_erasure")
    if pending is not None:  # sent earlier under a key the person has since chosen to trust
        try:
            receipt = _erasure(pending, st)
        except CoopError:
            pass
        else:
            _leave(state_path, st, pending)
            return Withdrawal(receipt, st["contributor_id"])
    try:
        answer = _call("DELETE", st["server"] + "/v1/me", token=st["token"], write=True, limit=SMALL_LIMIT)
        document = answer.get("receipt") if isinstance(answer, dict) else None
        try:
            receipt = _erasure(document, st)
        except KeyChanged:
            st["unconfirmed_erasure"] = document  # checked again once the person trusts the new key
            state.save(state_path, st)
            raise
    except CoopError as exc:
        if forget:
            _leave(state_path, st, None, str(exc))
            return Withdrawal(None, st["contributor_id"], str(exc))
        raise CoopError(_not_withdrawn(exc)) from None
    assert isinstance(document, dict)
    _leave(state_path, st, document)
    return Withdrawal(receipt, st["contributor_id"])


def _not_withdrawn(exc: CoopError) -> str:
    """What happened and what to do, for a withdrawal the server has not proven: the state kept matches it."""
    if isinstance(exc, KeyChanged):
        return (f"not withdrawn on this device: {exc}, then `linernotes coop withdraw` again to check the erasure "
                "receipt it sent (kept). Your membership and token stay here until a receipt verifies")
    if isinstance(exc, Refused) and exc.status == 401:
        return (f"not withdrawn on this device: {exc}. The server no longer knows your token (it may have "
                "erased you already) but sent no erasure receipt; your membership stays here. "
                "`linernotes coop withdraw --forget` drops it from this device without a receipt")
    return (f"not withdrawn: {exc}. The server has not confirmed any erasure, so your membership and token stay "
            "on this device: run `linernotes coop withdraw` again (add --forget to drop them here anyway)")


def sync(state_path: Path, library: Path) -> dict[str, Any]:
    """Fetch the cooperative's newest release, check it with the server's key kept from the join, and keep it
    beside the library, with the key, where ``linernotes crowd``, the report and the dashboard read it (they
    verify it again each time). Returns the release's payload. Nothing is sent but the request itself."""
    from linernotes.coop.crowd.verify import ReleaseError, verify_release, write_public_key
    from linernotes.coop.release_format import write_release
    from linernotes.coop.sidecars import key_path, release_path

    st = member(state_path)
    document = _call("GET", st["server"] + "/v1/releases/latest", limit=RELEASE_LIMIT, timeout=RELEASE_TIMEOUT)
    if isinstance(document, dict) and "signature" in document and document.get("key_id") != st["key_id"]:
        raise KeyChanged(key_changed_message(st, document.get("key_id"), "release"))
    public = _public_key(st)
    try:
        payload = verify_release(document, public)
    except ReleaseError as exc:
        raise CoopError(f"the server's release was not kept: {exc}") from None
    shape = Shape("release")
    shape.text(payload, "release_id")
    shape.text(payload, "published")
    shape.number(shape.obj(payload.get("privacy"), "privacy"), "epsilon")
    write_public_key(key_path(library), public)
    write_release(release_path(library), document)
    return payload


def member(state_path: Path) -> dict[str, Any]:
    st = state.load(state_path)
    if not state.joined(st):
        raise UsageError("not a member of a cooperative: run `linernotes coop join URL` first")
    return st
