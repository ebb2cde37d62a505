"""The cooperative's whole loop with real parts: members contribute over HTTP to a server on a real PostgreSQL,
the operator publishes a differentially private release (`linernotes-coop release`), a person fetches it
(`linernotes coop sync`) and sees where they stand (`linernotes crowd --json`), computed on their machine.
Withdrawn members are left out of the next release; members whose lifetime budget is spent are left out too.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from linernotes.coop import contract
from linernotes.coop.release.build import ReleaseConfig
from tests.support.coop_fixtures import benchmarks_body, join_raw, running_server, write_headers
from tests.support.exports import imported_history
from tests.support.pgtemp import TempPostgres

pytestmark = pytest.mark.slow

MEMBERS = 40
PER_RELEASE = ReleaseConfig.uniform(1.0).benchmarks_cost()  # what a benchmarks-only member pays per release


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINERNOTES_")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, env=env, check=False)


def test_publish_sync_crowd_withdraw_and_budget(coop_pg: TempPostgres, tmp_path: Path) -> None:
    rng = random.Random(3)
    with running_server(coop_pg, tmp_path) as server:
        s = server.settings
        operator = ["-m", "linernotes.coop.server.cli", "release", "--database-url", s.database_url,
                    "--storage", str(s.storage), "--keys", str(s.keys)]
        nothing = run(*operator)
        assert nothing.returncode == 2 and "nothing to release" in nothing.stderr and "Traceback" not in nothing.stderr

        members = []
        for _ in range(MEMBERS):
            cid, token = join_raw(server.url, ("benchmarks",))
            body = benchmarks_body(weekly_hours=round(rng.uniform(1, 40), 2), skip_rate=round(rng.random() / 2, 3),
                                   top_artists=["Alpha", "Beta"] if rng.random() < 0.5 else ["Beta"])
            r = httpx.put(server.url + "/v1/contributions/benchmarks", content=orjson.dumps(body),
                          headers=write_headers(token))
            assert r.status_code == 200, r.text
            members.append((cid, token))

        # The person, from their own library, with the CLI.
        _, lib = imported_history(tmp_path, 3000, seed=8, start="2023-01-01", end="2024-06-30")
        db = lib.path
        lib.close()
        joined = run("-m", "linernotes", "coop", "join", server.url, "--yes", "--db", str(db))
        assert joined.returncode == 0, joined.stderr
        assert run("-m", "linernotes", "coop", "contribute", "--db", str(db)).returncode == 0
        early = run("-m", "linernotes", "coop", "sync", "--db", str(db))
        assert early.returncode == 2 and "no release has been published yet" in early.stderr

        first = run(*operator)
        assert first.returncode == 0, first.stderr
        assert f"{MEMBERS + 1} members" in first.stdout
        assert not any((s.storage / ".release-snapshots").iterdir())  # the snapshot is gone
        synced = run("-m", "linernotes", "coop", "sync", "--db", str(db))
        assert synced.returncode == 0, synced.stderr
        crowd = run("-m", "linernotes", "crowd", "--json", "--db", str(db))
        assert crowd.returncode == 0, crowd.stderr
        shown = orjson.loads(crowd.stdout)
        assert {m["metric"] for m in shown["metrics"]} == set(contract.METRIC_NAMES)
        for m in shown["metrics"]:  # placed among 41 members, with the uncertainty the noise implies
            assert 0 <= m["low"] <= m["percentile"] <= m["high"] <= 100 and m["uncertainty"] > 0

        rows = server.sql("SELECT contributors, epsilon, document->'payload'->>'release_id' FROM releases")
        assert rows[0][0] == MEMBERS + 1 and rows[0][1] == pytest.approx(PER_RELEASE.epsilon)
        kept = orjson.loads(db.with_name(db.stem + ".crowd-release.json").read_bytes())
        assert kept["payload"]["release_id"] == rows[0][2]
        spent = dict(server.sql("SELECT contributor_id, epsilon_spent FROM contributors"))
        assert sorted(spent.values()) == pytest.approx([PER_RELEASE.epsilon] * (MEMBERS + 1))

        # A member withdraws: the next release is made without them, and charges them nothing.
        gone_id, gone_token = members.pop()
        r = httpx.delete(server.url + "/v1/me", headers=write_headers(gone_token))
        assert r.status_code == 200
        second = run(*operator)
        assert second.returncode == 0, second.stderr
        assert f"{MEMBERS} members" in second.stdout
        assert server.sql("SELECT contributors FROM releases ORDER BY created_at") == [(MEMBERS + 1,), (MEMBERS,)]
        assert gone_id not in dict(server.sql("SELECT contributor_id, 1 FROM contributors"))

        # A lifetime budget of two releases: a third is refused (strict) or leaves everyone out, and says so.
        lifetime = ["--lifetime-epsilon", str(2 * PER_RELEASE.epsilon + 0.5)]
        refused = run(*operator, *lifetime, "--refuse-over-budget")
        assert refused.returncode == 2 and "release refused" in refused.stderr
        assert "would exceed the lifetime budget" in refused.stderr and "Traceback" not in refused.stderr
        third = run(*operator, *lifetime)
        assert third.returncode == 2 and "nothing to release" in third.stderr
        assert f"{MEMBERS} have none" in third.stderr
        assert len(server.sql("SELECT 1 FROM releases")) == 2  # nothing recorded, nothing charged
        spent = dict(server.sql("SELECT contributor_id, epsilon_spent FROM contributors"))
        assert sorted(spent.values()) == pytest.approx([2 * PER_RELEASE.epsilon] * MEMBERS)

        # The published release is public and verifies with the server's key.
        latest = httpx.get(server.url + "/v1/releases/latest").json()
        assert latest["payload"]["release_id"] == server.sql(
            "SELECT release_id FROM releases ORDER BY created_at DESC LIMIT 1")[0][0]
