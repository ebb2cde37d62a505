"""``python -m linernotes.coop.release STORAGE``: build a signed release straight from a storage folder.

For operators and the benchmark, without the cooperative server: every package under ``STORAGE`` is included
(each package its own contributor unless ``--owners`` maps package ids to contributors), budgets come from a JSON
ledger. The server's ``linernotes-coop release`` calls :func:`~linernotes.coop.release.build.build_release` with
the packages of contributors whose budget allows the release and its PostgreSQL ledger instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson

import linernotes
from linernotes.coop.contract import METRIC_NAMES

PROG = "python -m linernotes.coop.release"
FilePath = click.Path(path_type=Path)


def _metric_epsilon_options() -> list[click.Option]:
    """--epsilon-NAME for each metric of the contract (a metric's own ε instead of --epsilon)."""
    return [click.Option([f"--epsilon-{name.replace('_', '-')}", f"epsilon_{name}"], type=float,
                         help=f"ε for {name} only") for name in METRIC_NAMES]


@click.command(PROG, params=_metric_epsilon_options(), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linernotes.__version__, "--version", "-V", prog_name=PROG, message="%(prog)s %(version)s")
@click.argument("storage", type=FilePath)
@click.option("-o", "--output", type=FilePath, required=True, help="the signed release file to write")
@click.option("--key", type=FilePath, required=True, help="the server's signing key (created if missing)")
@click.option("--ledger", type=FilePath, help="JSON budget ledger (read and charged); none: no accounting")
@click.option("--owners", type=FilePath, help="JSON {package_id: contributor_id}")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--spark-master", default="local[*]", show_default=True,
              help="spark.master: local[*] or a cluster URL")
@click.option("--epsilon", type=float, default=1.0, show_default=True, help="ε of each metric's histogram")
@click.option("--lifetime-epsilon", type=float, help="per-contributor lifetime ε (default 40)")
@click.option("--lifetime-delta", type=float, help="per-contributor lifetime δ (default 1e-5)")
def release_cmd(storage: Path, output: Path, key: Path, ledger: Path | None, owners: Path | None, engine: str,
                spark_master: str, epsilon: float, lifetime_epsilon: float | None, lifetime_delta: float | None,
                **metric_epsilon: Any) -> None:
    """Build a signed release straight from the pool in STORAGE (STORAGE/benchmarks/*.parquet,
    STORAGE/taste/*.parquet), without the cooperative server."""
    from linernotes.coop.release.aggregates import PoolError
    from linernotes.coop.release.budget import Budget, BudgetExceeded, JsonLedger
    from linernotes.coop.release.build import LIFETIME, ReleaseConfig, build_release
    from linernotes.coop.release_format import write_release
    from linernotes.coop.signing import load_or_create_key

    if not storage.is_dir():
        _fail(f"{storage}: not a storage folder")
    per_metric = {n: metric_epsilon[f"epsilon_{n}"] or epsilon for n in METRIC_NAMES}
    lifetime = Budget(lifetime_epsilon or LIFETIME.epsilon, lifetime_delta or LIFETIME.delta)
    try:
        owner_map = orjson.loads(owners.read_bytes()) if owners else None
        started = time.perf_counter()
        document = build_release(storage, key=load_or_create_key(key), owners=owner_map,
                                 engine=engine, spark_master=spark_master,
                                 config=ReleaseConfig(metric_epsilon=per_metric), lifetime=lifetime,
                                 ledger=JsonLedger(ledger) if ledger else None)
    except (BudgetExceeded, PoolError, ValueError, OSError) as exc:
        _fail(str(exc))
    write_release(output, document)
    p = document["payload"]
    sys.stdout.write(f"release {p['release_id']}: ~{p['contributors']['benchmarks']:,} benchmarks and "
                     f"~{p['contributors']['taste']:,} taste contributors, ε={p['privacy']['epsilon']:g}, "
                     f"δ={p['privacy']['delta']:g}, {time.perf_counter() - started:.1f} s -> {output}\n")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    sys.exit(2)


if __name__ == "__main__":
    release_cmd.main(prog_name=PROG)
