"""The cooperative from the device: read the terms, join with explicit consent, preview and send a
package, check what the server holds, withdraw. Every call says what it sends before it sends it (the CLI
prints the terms and the preview), talks only to the server the person named, and verifies the signed
receipts it gets back with the server's public key (kept from the join).

Plain ``http://`` is accepted for loopback servers only (tests, a local server); anything else needs HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from linernotes.coop import contract, signing, terms, wire
from linernotes.coop.client import package, state
from linernotes.errors import LinernotesError, UsageError

TIMEOUT = 30.0


class CoopError(LinernotesError):
    """The server could not be reached, refused a request, or answered with something that does not verify."""


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
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UsageError(f"{url}: use https (plain http is only for a server on this machine)")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _request(method: str, url: str, *, body: bytes | None = None, token: str | None = None,
             write: bool = False, content_type: str = "application/json") -> Any:
    headers = {"Accept": "application/json", "User-Agent": "linernotes"}
    if body is not None:
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if write:
        headers["X-Coop-Nonce"] = secrets.token_urlsafe(24)
        headers["X-Coop-Timestamp"] = str(int(time.time()))
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return orjson.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = orjson.loads(exc.read()).get("detail", "")
        except (orjson.JSONDecodeError, AttributeError):
            detail = exc.reason
        raise CoopError(f"the server refused ({exc.code}): {detail}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CoopError(f"cannot reach {url}: {reason}") from None
    except orjson.JSONDecodeError:
        raise CoopError(f"{url}: the server's answer is not JSON") from None


def fetch_terms(url: str) -> dict[str, Any]:
    """The server's terms: purposes per scope, controller, policy, public key."""
    found = _request("GET", check_url(url) + "/v1/terms")
    if not isinstance(found, dict) or "purposes" not in found or "key" not in found:
        raise CoopError(f"{url}: not a linernotes cooperative server")
    return found


def _public_key(st: dict[str, Any]) -> bytes:
    return base64.b64decode(st["public_key"])


def _verified(document: Any, public: bytes, what: str) -> dict[str, Any]:
    try:
        return signing.verify(document, public)
    except signing.SignatureError:
        raise CoopError(f"the server's {what} receipt does not verify with its public key") from None


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
    public = base64.b64decode(server_terms["key"]["public_key"])
    contributor_id = secrets.token_hex(16)
    body = orjson.dumps({"contributor_id": contributor_id, "scopes": sorted(set(scopes)),
                         "terms_version": server_terms["terms_version"], "consent": True})
    answer = _request("POST", base + "/v1/contributors", body=body, write=True)
    receipt = _verified(answer.get("receipt"), public, "consent")
    granted = sorted(p.get("scope") for s in receipt.get("services", []) for p in s.get("purposes", []))
    if receipt.get("piiPrincipalId") != contributor_id or granted != sorted(set(scopes)):
        raise CoopError("the consent receipt is not for this join (id or scopes differ)")
    st.update({"server": base, "contributor_id": contributor_id, "token": answer["token"],
               "key_id": server_terms["key"]["key_id"], "public_key": server_terms["key"]["public_key"],
               "scopes": sorted(set(scopes)), "consent_receipt": answer["receipt"], "contributions": {}})
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
    answer = _request("PUT", shown.url, body=shown.body, token=st["token"], write=True)
    if answer.get("sha256") != shown.sha256:
        raise CoopError("the server received different bytes than were sent")
    st["contributions"][scope] = {"package_id": answer["package_id"], "sha256": answer["sha256"],
                                  "bytes": answer["bytes"]}
    state.save(state_path, st)
    return answer


def status(state_path: Path, *, remote: bool = True) -> dict[str, Any]:
    """The local state (token masked) and, with ``remote``, what the server says it holds."""
    st = state.load(state_path)
    shown: dict[str, Any] = {k: v for k, v in st.items() if k != "token"}
    shown["member"] = state.joined(st)
    shown["state_file"] = str(state_path)
    if remote and state.joined(st):
        shown["server_holds"] = _request("GET", st["server"] + "/v1/me", token=st["token"])
    return shown


def withdraw(state_path: Path) -> dict[str, Any]:
    """Withdraw from the cooperative: the server deletes everything about you and signs an erasure receipt,
    which is kept here; the token is forgotten."""
    st = member(state_path)
    answer = _request("DELETE", st["server"] + "/v1/me", token=st["token"], write=True)
    receipt = _verified(answer.get("receipt"), _public_key(st), "erasure")
    if receipt.get("piiPrincipalId") != st["contributor_id"]:
        raise CoopError("the erasure receipt is for someone else")
    history = st.get("history", [])
    history.append({"server": st["server"], "consent_receipt": st.get("consent_receipt"),
                    "erasure_receipt": answer["receipt"]})
    state.save(state_path, {"version": state.VERSION, "history": history})
    return receipt


def sync(state_path: Path, library: Path) -> dict[str, Any]:
    """Fetch the cooperative's newest release, check it with the server's key kept from the join, and keep it
    beside the library, with the key, where ``linernotes crowd``, the report and the dashboard read it (they
    verify it again each time). Returns the release's payload. Nothing is sent but the request itself."""
    from linernotes.coop.crowd import key_path
    from linernotes.coop.release.verify import ReleaseError, verify_release, write_public_key, write_release
    from linernotes.report.crowd import release_path

    st = member(state_path)
    document = _request("GET", st["server"] + "/v1/releases/latest")
    public = _public_key(st)
    try:
        payload = verify_release(document, public)
    except ReleaseError as exc:
        raise CoopError(f"the server's release was not kept: {exc}") from None
    write_public_key(key_path(library), public)
    write_release(release_path(library), document)
    return payload


def member(state_path: Path) -> dict[str, Any]:
    st = state.load(state_path)
    if not state.joined(st):
        raise UsageError("not a member of a cooperative: run `linernotes coop join URL` first")
    return st
