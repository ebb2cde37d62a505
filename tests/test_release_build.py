"""A whole release from a pool: signed and verifiable, percentiles that the published uncertainty covers, and a
taste model that keeps planted clusters apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from linernotes.coop.contract import METRICS
from linernotes.coop.crowd.percentile import place
from linernotes.coop.crowd.shared_taste_picks import recommend
from linernotes.coop.crowd.verify import ReleaseError, load_release, verify_release
from linernotes.coop.release.build import ReleaseConfig, build_release
from linernotes.coop.release_format import write_release
from linernotes.coop.signing import generate_key, public_key_bytes
from tests.support.synthetic_pool import SynthPool, synth_pool

TASTE_TEST = {"taste_select_epsilon": 4.0, "taste_pairs_epsilon": 4.0}


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> SynthPool:
    return synth_pool(tmp_path_factory.mktemp("pool"), 3000, 3000, seed=11, clusters=4, workers=1)


@pytest.fixture(scope="module")
def signed(pool: SynthPool) -> tuple[dict, bytes]:
    key = generate_key()
    doc = build_release(pool.storage, key=key, config=ReleaseConfig.uniform(1.0, **TASTE_TEST),
                        release_id="r-test", spent={})
    return doc, public_key_bytes(key)


def test_release_is_signed_and_says_what_it_spent(signed: tuple[dict, bytes], tmp_path: Path) -> None:
    doc, public = signed
    payload = verify_release(doc, public)
    assert payload["release_id"] == "r-test" and payload["engine"] == "duckdb"
    assert abs(payload["contributors"]["benchmarks"] - 3000) < 300
    privacy = payload["privacy"]
    assert privacy["composition"] == "basic" and privacy["unit"] == "contributor"
    assert privacy["epsilon"] == pytest.approx(8 * 1.0 + 1.0 + 0.1 + 4.0 + 4.0)
    assert privacy["epsilon"] == pytest.approx(sum(p["epsilon"] for p in privacy["parts"]))
    assert {p["part"] for p in privacy["parts"]} >= {"metric:weekly_hours", "top_artists", "taste_pairs"}
    assert payload["top_artists"]["artists"][0][0] == "artist00000"  # the Zipf head passes the threshold
    path = write_release(tmp_path / "lib.crowd-release.json", doc)
    assert load_release(path, public)["release_id"] == "r-test"
    # a count changed on disk, or another key: nothing is believed
    tampered = orjson.loads(path.read_bytes())
    tampered["payload"]["metrics"]["skip_rate"]["counts"][3] += 1
    with pytest.raises(ReleaseError, match="signature does not verify"):
        verify_release(tampered, public)
    with pytest.raises(ReleaseError, match="signature does not verify"):
        verify_release(doc, public_key_bytes(generate_key()))


def test_the_uncertainty_covers_the_true_percentile(pool: SynthPool, signed: tuple[dict, bytes]) -> None:
    payload = signed[0]["payload"]
    rng = np.random.default_rng(3)
    for m in METRICS:
        values = np.sort(pool.values[m.name])
        sample = np.concatenate([rng.choice(values, 300), [m.lower, m.upper]])
        missed = 0
        for v in sample:
            truth = 100.0 * np.searchsorted(values, v, side="left") / len(values)
            p = place(payload["metrics"][m.name], float(v))
            assert p.low <= p.percentile <= p.high
            missed += not (p.low <= truth <= p.high)
        assert missed <= 3, m.name  # a ~99.7 % interval


def test_taste_model_keeps_planted_clusters_apart(pool: SynthPool, signed: tuple[dict, bytes]) -> None:
    model = signed[0]["payload"]["taste"]
    assert model["dimensions"] > 0 and len(model["artists"]) >= 120
    vectors = dict(zip(model["artists"], model["vectors"], strict=True))
    for cluster in range(4):
        seeds = [SynthPool.cluster_artist(cluster, i) for i in range(5)]
        picks = recommend(vectors, seeds, known=seeds, limit=10)
        assert len(picks) == 10
        assert all(name.startswith(f"cluster{cluster:02d}-") for name, _ in picks), (cluster, picks)
        assert not {s for s in seeds} & {n for n, _ in picks}
