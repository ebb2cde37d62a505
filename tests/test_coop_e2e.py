"""The whole path as a person runs it: `linernotes coop join → preview → contribute → status → withdraw`,
the CLI in its own process talking real HTTP to the server over a real PostgreSQL."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import orjson
import pytest

from linernotes.coop import contract, signing
from tests.support.cli import run_cli
from tests.support.coop_fixtures import CoopServer
from tests.support.exports import imported_history


def coop(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("coop", *args, "--db", str(db), input=stdin, env={"LINERNOTES_COOP_STATE": None})


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("e2e")
    _, lib = imported_history(tmp, 3000, seed=5, start="2023-01-01", end="2024-06-30")
    path = lib.path
    lib.close()
    return path


def test_join_preview_contribute_status_withdraw(coop_server: CoopServer, library: Path) -> None:
    state_file = library.with_name(library.stem + ".coop.json")
    refused = coop(library, "join", coop_server.url, stdin="n\n")
    assert refused.returncode == 2 and "consent" in refused.stderr and "Traceback" not in refused.stderr
    assert "Population benchmarks" in refused.stdout and "Withdraw at any time" in refused.stdout
    assert not state_file.exists()

    joined = coop(library, "join", coop_server.url, "--scope", "benchmarks", "--scope", "taste", stdin="y\n")
    assert joined.returncode == 0, joined.stderr
    st = orjson.loads(state_file.read_bytes())
    assert oct(state_file.stat().st_mode & 0o777) == "0o600"
    assert re.fullmatch(r"[0-9a-f]{32}", st["contributor_id"]) and st["token"]
    public = __import__("base64").b64decode(st["public_key"])
    assert signing.verify(st["consent_receipt"], public)["piiPrincipalId"] == st["contributor_id"]
    # Both sides keep the consent receipt.
    assert coop_server.sql("SELECT document->'payload'->>'consentReceiptID' FROM consent_receipts "
                           "WHERE contributor_id = %s", (st["contributor_id"],)) == \
        [(st["consent_receipt"]["payload"]["consentReceiptID"],)]

    preview = coop(library, "preview", "--output", str(library.parent / "body.json"))
    assert preview.returncode == 0, preview.stderr
    body = (library.parent / "body.json").read_bytes()
    assert body.decode() in preview.stdout  # printed byte for byte
    assert f"PUT {coop_server.url}/v1/contributions/benchmarks" in preview.stdout
    for m in contract.METRICS:
        assert f"  {m.name}: {m.meaning}" in preview.stdout

    sent = coop(library, "contribute")
    assert sent.returncode == 0, sent.stderr
    sha = hashlib.sha256(body).hexdigest()
    assert sha in sent.stdout
    assert coop_server.sql("SELECT sha256, body_bytes FROM contributions WHERE contributor_id = %s",
                           (st["contributor_id"],)) == [(sha, len(body))]
    assert coop(library, "contribute", "--scope", "taste").returncode == 0
    again = coop(library, "contribute", "--scope", "taste")
    assert again.returncode == 0 and "replaced" in again.stdout
    assert len(list(contract.scope_dir(coop_server.settings.storage, "taste").glob("*.parquet"))) >= 1

    status = coop(library, "status")
    assert status.returncode == 0, status.stderr
    assert st["consent_receipt"]["payload"]["consentReceiptID"] in status.stdout
    assert status.stdout.count("server holds:") == 2
    as_json = orjson.loads(coop(library, "status", "--json").stdout)
    assert "token" not in as_json and {c["scope"] for c in as_json["server_holds"]["contributions"]} == \
        {"benchmarks", "taste"}

    gone = coop(library, "withdraw", stdin="y\n")
    assert gone.returncode == 0, gone.stderr
    assert "2 packages" in gone.stdout
    after = orjson.loads(state_file.read_bytes())
    assert "token" not in after and "contributor_id" not in after
    erasure = signing.verify(after["history"][0]["erasure_receipt"], public)
    assert erasure["piiPrincipalId"] == st["contributor_id"] and erasure["packagesDeleted"] == 2
    assert coop_server.sql("SELECT count(*) FROM contributions WHERE contributor_id = %s",
                           (st["contributor_id"],)) == [(0,)]
    assert "not a member" in coop(library, "status").stdout
    # Joining again after a withdrawal is a new, unlinkable contributor.
    rejoined = coop(library, "join", coop_server.url, "--yes")
    assert rejoined.returncode == 0, rejoined.stderr
    assert orjson.loads(state_file.read_bytes())["contributor_id"] != st["contributor_id"]
    assert coop(library, "withdraw", "--yes").returncode == 0


@pytest.mark.parametrize("args, message", [
    (("join", "http://coop.example.org"), "use https"),
    (("join", "not-a-url"), "not an http(s) URL"),
    (("join", "http://127.0.0.1:9"), "cannot reach"),
    (("contribute",), "not a member"),
    (("withdraw", "--yes"), "not a member"),
    (("preview", "--scope", "everything"), "unknown scope"),
])
def test_mistakes_end_with_one_line(library: Path, args: tuple[str, ...], message: str) -> None:
    done = coop(library.with_name("other.duckdb") if args[0] != "preview" else library, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and message in done.stderr
