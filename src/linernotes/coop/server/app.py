"""The cooperative's HTTP API (FastAPI; the OpenAPI document is at ``/openapi.json``).

- ``GET /v1/terms``: purposes, scopes, controller, policy, limits and the server's public key.
- ``POST /v1/contributors``: join with a device-made id and explicit consent; returns a bearer token (shown
  once, only its SHA-256 is kept) and a signed consent receipt.
- ``PUT /v1/contributions/{benchmarks,taste}``: the package as canonical JSON (:mod:`linernotes.coop.wire`);
  replaces the previous one of that scope.
- ``GET /v1/me``: what the server holds about the caller.
- ``DELETE /v1/me``: withdraw; everything is deleted and a signed erasure receipt returned.
- ``GET /v1/releases/latest``: the newest differentially private release (signed), for ``coop sync``.

Every write carries ``X-Coop-Nonce`` (16–64 URL-safe characters, never reused) and ``X-Coop-Timestamp``
(Unix seconds, within the replay window): a replayed request is refused with 409 and changes nothing.
Bodies larger than the limit are refused (413) before they are read in full, bodies that do not arrive in
time get 408, and malformed headers 400. Rate limits (429) are kept in PostgreSQL, shared by every worker:
one per token, one for all joins, one for all requests with an unknown token. No client address is read,
logged or stored.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations, some local to create_app.

import asyncio
import base64
import hashlib
import itertools
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from linernotes.coop import contract, signing, terms, wire
from linernotes.coop.server import erasure, ratelimit, receipts, storage
from linernotes.coop.server.config import Settings
from linernotes.coop.server.db import Database, Gone, Replay

# ASCII only ([0-9], not \d or str.isdigit: "²" is a digit to Python and not a number to int()).
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
log = logging.getLogger("linernotes.coop.server")
CONTRIBUTOR_ID = r"^[0-9a-f]{32}$"


class ErrorBody(BaseModel):
    detail: str


class SignedDocument(BaseModel):
    payload: dict[str, Any]
    key_id: str
    signature: str


class PublicKey(BaseModel):
    key_id: str
    public_key: str = Field(description="Ed25519 public key, raw 32 bytes, base64")


class Purpose(BaseModel):
    scope: str
    purpose: str
    data: list[str]
    releases: str
    fields: dict[str, str]


class Terms(BaseModel):
    terms_version: str
    controller: str
    contact: str
    jurisdiction: str
    policy_url: str
    termination: str
    purposes: list[Purpose]
    key: PublicKey
    max_body_bytes: int
    replay_window_seconds: int


class JoinRequest(BaseModel):
    contributor_id: str = Field(pattern=CONTRIBUTOR_ID, description="random, made on the device (32 hex digits)")
    scopes: list[Literal["benchmarks", "taste"]] = Field(min_length=1, max_length=2)
    terms_version: str = Field(min_length=1, max_length=40, json_schema_extra={"enum": [terms.TERMS_VERSION]},
                               description="the version of the terms shown to the person (GET /v1/terms)")
    consent: Literal[True] = Field(description="the person explicitly agreed to the purposes of these scopes")


class Joined(BaseModel):
    contributor_id: str
    token: str = Field(description="bearer token, shown once; the server keeps only its SHA-256")
    receipt: SignedDocument


class Contributed(BaseModel):
    scope: str
    package_id: str
    sha256: str = Field(description="SHA-256 of the request body as received")
    bytes: int
    replaced: bool


class Held(BaseModel):
    scope: str
    package_id: str
    received_at: str
    sha256: str
    bytes: int


class Status(BaseModel):
    contributor_id: str
    scopes: list[str]
    joined_at: str
    contributions: list[Held]
    consent_receipts: list[SignedDocument]


class Withdrawn(BaseModel):
    receipt: SignedDocument


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorBody} for c in codes}


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413) without reading past the limit, and bodies not received in
    full within ``timeout`` seconds (408: a client that stops sending would hold the connection for as long
    as it likes); pass the rest on buffered."""

    def __init__(self, app: Any, limit: int, timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and not length.isdigit():  # bytes.isdigit: ASCII digits only
            await _refuse(send, 400, "Content-Length is not a number")
            return
        if length is not None and (len(length) > 15 or int(length) > self.limit):
            await _refuse(send, 413, f"request body over the limit of {self.limit} bytes")
            return
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limit:
                        await _refuse(send, 413, f"request body over the limit of {self.limit} bytes")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _refuse(send, 408, f"request body not received within {self.timeout:g} seconds")
            return
        body, sent = b"".join(chunks), False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Any, status: int, detail: str) -> None:
    """Answer ``status`` and close the connection (the rest of its body is never read)."""
    body = f'{{"detail":"{detail}"}}'.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> Any:
    """The ASGI app (FastAPI wrapped in the body-size limit). ``settings`` default: from the environment.

    >>> app = create_app(Settings(database_url="postgresql://...", storage=Path("pool"), keys=Path("keys")))
    ... # doctest: +SKIP
    """
    settings = settings or Settings.from_env()
    key = signing.load_or_create_key(settings.key_path)
    public = signing.public_key_bytes(key)
    public_key = PublicKey(key_id=signing.key_id(public), public_key=base64.b64encode(public).decode())
    prefix_key = storage.load_or_create_prefix_key(settings.keys)
    db = Database(settings.database_url, settings.pool_min, settings.pool_max)
    gate = ratelimit.FailedAuthGate()
    vacuum = erasure.ErasureVacuum(settings.database_url, settings.erasure_vacuum_delay_seconds)
    writes = itertools.count()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.storage.mkdir(parents=True, exist_ok=True)
        await db.open()
        # Left by a crash: files written whose row never committed (older than any request in flight; each
        # worker sweeps, which is harmless), and dead rows of a withdrawal whose vacuum never ran.
        known = await db.known_packages()
        swept = await asyncio.to_thread(storage.sweep, settings.storage, known, settings.orphan_min_age_seconds)
        if swept:
            log.warning("deleted %d contribution files no row points to (left by a crash)", len(swept))
        vacuum.request()
        try:
            yield
        finally:
            await vacuum.wait()
            await db.close()

    app = FastAPI(title="linernotes cooperative", version=terms.TERMS_VERSION, lifespan=lifespan,
                  description=__doc__)
    app.state.settings, app.state.db = settings, db
    bearer = HTTPBearer(auto_error=False, description="the token returned when joining")

    @app.exception_handler(RequestValidationError)
    async def one_line(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    background: set[asyncio.Task[None]] = set()

    async def nonce(request: Request) -> str:
        value = request.headers.get("x-coop-nonce", "")
        stamp = request.headers.get("x-coop-timestamp", "")
        if not NONCE.fullmatch(value) or not TIMESTAMP.fullmatch(stamp):
            raise HTTPException(400, "X-Coop-Nonce (16-64 URL-safe characters) and X-Coop-Timestamp "
                                     "(Unix seconds) are required on every write")
        if abs(time.time() - int(stamp)) > settings.replay_window_seconds:
            raise HTTPException(400, "X-Coop-Timestamp is outside the accepted window; check the clock")
        if next(writes) % 2000 == 0:
            task = asyncio.get_running_loop().create_task(db.prune(2 * settings.replay_window_seconds))
            background.add(task)
            task.add_done_callback(background.discard)
        return value

    async def caller(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> tuple[str, list[str]]:
        if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        digest = hashlib.sha256(creds.credentials.encode("utf-8", "replace")).digest()
        wait = gate.refuses(digest)
        if wait:  # the failed-authentication budget is spent: no database lookup for tokens not seen lately
            raise _too_many("too many requests with unknown tokens right now; try again shortly", wait)
        found, wait = await db.authenticate(digest, settings.rate_per_second, settings.rate_burst,
                                            settings.auth_fail_rate_per_second, settings.auth_fail_burst)
        if found is None:
            if wait:
                gate.close(wait)
                raise _too_many("too many requests with unknown tokens right now; try again shortly", wait)
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})
        gate.remember(digest)
        if wait:
            raise _too_many("too many requests for this token", wait)
        return found

    Caller = Annotated[tuple[str, list[str]], Depends(caller)]
    Nonce = Annotated[str, Depends(nonce)]

    @app.get("/v1/key", response_model=PublicKey)
    async def get_key() -> PublicKey:
        """The public key receipts and releases are signed with."""
        return public_key

    @app.get("/v1/terms", response_model=Terms)
    async def get_terms() -> Terms:
        """What each scope shares, for what purpose, and how to leave."""
        purposes = [Purpose(scope=s, purpose=str(p["purpose"]), data=list(p["piiCategory"]),  # type: ignore[call-overload]
                            releases=str(p["releases"]),
                            fields={f: terms.FIELD_PURPOSE[f] for f in _fields(s)})
                    for s, p in terms.PURPOSES.items()]
        return Terms(terms_version=terms.TERMS_VERSION, controller=settings.controller,
                     contact=settings.controller_contact, jurisdiction=settings.jurisdiction,
                     policy_url=settings.policy_url, termination=terms.TERMINATION, purposes=purposes,
                     key=public_key, max_body_bytes=settings.max_body_bytes,
                     replay_window_seconds=settings.replay_window_seconds)

    @app.post("/v1/contributors", response_model=Joined, status_code=201,
              responses=_errors(400, 409, 413, 422, 429))
    async def join(request: JoinRequest, nonce: Nonce) -> Joined:
        """Join with explicit consent to the purposes of ``scopes``."""
        wait = await db.take(ratelimit.JOIN_KEY, settings.join_rate_per_second, settings.join_burst)
        if wait:
            raise _too_many("too many new members right now; try again shortly", wait)
        if request.terms_version != terms.TERMS_VERSION:
            raise HTTPException(409, f"the terms changed (now {terms.TERMS_VERSION}); read them again")
        scopes: list[str] = sorted(set(request.scopes))
        token = secrets.token_urlsafe(32)
        receipt = receipts.consent(settings, key, request.contributor_id, scopes)
        try:
            ok = await db.join(request.contributor_id, hashlib.sha256(token.encode()).digest(), scopes,
                               receipt["payload"]["consentReceiptID"], receipt, nonce)
        except Replay:
            raise HTTPException(409, "this request was already handled (nonce reused)") from None
        if not ok:
            raise HTTPException(409, "this contributor id is taken; make a new one")
        return Joined(contributor_id=request.contributor_id, token=token, receipt=SignedDocument(**receipt))

    def contribute_route(scope: str) -> None:
        async def contribute(request: Request, who: Caller, nonce: Nonce) -> Contributed:
            contributor_id, scopes = who
            if scope not in scopes:
                raise HTTPException(403, f"you did not consent to the {scope} scope")
            body = await request.body()
            try:
                doc = wire.check(scope, body)
            except wire.PackageError as exc:
                raise HTTPException(422, str(exc)) from None
            data = storage.parquet_bytes(wire.to_table(scope, doc))
            # Named under the member's prefix, written before its row: a withdrawal finds it even if a crash
            # comes between the two.
            package_id = storage.new_package_id(storage.member_prefix(prefix_key, contributor_id))
            sha = hashlib.sha256(body).hexdigest()
            # In a thread: creating a file can block for a millisecond, and the event loop serves everyone.
            await asyncio.to_thread(storage.write, settings.storage, scope, package_id, data)
            try:
                old = await db.contribute(contributor_id, scope, package_id, sha, len(body), nonce)
            except BaseException as exc:
                await asyncio.to_thread(storage.delete, settings.storage, scope, package_id)
                if isinstance(exc, Replay):
                    raise HTTPException(409, "this request was already handled (nonce reused)") from None
                if isinstance(exc, Gone):
                    raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"}) from None
                raise
            if old is not None:
                await asyncio.to_thread(storage.delete, settings.storage, scope, old)
            return Contributed(scope=scope, package_id=package_id, sha256=sha, bytes=len(body),
                               replaced=old is not None)

        app.put(f"/v1/contributions/{scope}", response_model=Contributed, name=f"contribute_{scope}",
                summary=f"Contribute (or replace) your {scope} package",
                responses=_errors(400, 401, 403, 409, 413, 422, 429),
                openapi_extra={"requestBody": {"required": True, "content": {
                    "application/json": {"schema": wire.json_schema(scope)}}}})(contribute)

    for scope in contract.SCOPES:
        contribute_route(scope)

    @app.get("/v1/releases/latest", response_model=SignedDocument, responses=_errors(404))
    async def latest_release() -> SignedDocument:
        """The newest differentially private release, signed with the server's key. Public: it was made to be
        published, and fetching it tells the server nothing about who asks."""
        found = await db.latest_release()
        if found is None:
            raise HTTPException(404, "no release has been published yet")
        return SignedDocument(**found)

    @app.get("/v1/me", response_model=Status, responses=_errors(401, 429))
    async def me(who: Caller) -> Status:
        """Everything the server holds about you."""
        found = await db.status(who[0])
        if found is None:
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})
        return Status(**found)

    @app.delete("/v1/me", response_model=Withdrawn, responses=_errors(400, 401, 409, 429))
    async def withdraw(who: Caller, nonce: Nonce) -> Withdrawn:
        """Withdraw: delete your files and rows now; returns a signed erasure receipt."""
        contributor_id = who[0]

        def delete_files(packages: list[tuple[str, str]]) -> list[str]:
            """The files of the member's rows, and every file under their prefix (also those a crash left
            without a row); returns ``<scope>/<file name>`` of each deleted."""
            deleted = {f"{s}/{p}.parquet" for s, p in packages if storage.delete(settings.storage, s, p)}
            for scope, _, path in storage.member_files(settings.storage,
                                                       storage.member_prefix(prefix_key, contributor_id)):
                try:
                    path.unlink()
                except FileNotFoundError:  # its own request deleted it meanwhile
                    continue
                deleted.add(f"{scope}/{path.name}")
            return sorted(deleted)

        try:
            done = await db.withdraw(contributor_id, nonce, delete_files)
        except Replay:
            raise HTTPException(409, "this request was already handled (nonce reused)") from None
        except Gone:
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"}) from None
        vacuum.request()  # the deleted rows are dead tuples until a VACUUM (see erasure)
        receipt = receipts.erasure(settings, key, contributor_id, done["consent_receipt_ids"],
                                   sorted({s for s, _ in done["packages"]}), len(done["packages"]),
                                   done["files_deleted"])
        return Withdrawn(receipt=SignedDocument(**receipt))

    return BodyLimit(app, settings.max_body_bytes, settings.body_timeout_seconds)


def _too_many(detail: str, wait: float) -> HTTPException:
    return HTTPException(429, detail, headers={"Retry-After": str(int(wait) + 1)})


def _fields(scope: str) -> list[str]:
    return [*contract.METRIC_NAMES, "top_artists"] if scope == "benchmarks" else ["artists", "affinity"]


def app_from_env() -> Any:
    """Factory for ``uvicorn --factory`` (several workers): settings from ``LINERNOTES_COOP_*``."""
    return create_app(Settings.from_env())
