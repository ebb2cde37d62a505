"""``python -m linernotes.coop.release STORAGE``: build a signed release straight from a storage folder.

For operators and the benchmark, without the cooperative server: every package under ``STORAGE`` is included
(each package its own contributor unless ``--owners`` maps package ids to contributors), budgets come from a JSON
ledger. The server's ``linernotes-coop release`` calls :func:`~linernotes.coop.release.build.build_release` with
the packages of contributors whose budget allows the release and its PostgreSQL ledger instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

from linernotes.coop.contract import METRIC_NAMES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linernotes.coop.release", description=__doc__.splitlines()[0])
    parser.add_argument("storage", type=Path, help="the pool: STORAGE/benchmarks/*.parquet, STORAGE/taste/*.parquet")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the signed release file to write")
    parser.add_argument("--key", type=Path, required=True, help="the server's signing key (created if missing)")
    parser.add_argument("--ledger", type=Path, help="JSON budget ledger (read and charged); none: no accounting")
    parser.add_argument("--owners", type=Path, help="JSON {package_id: contributor_id}")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--spark-master", default="local[*]", help="spark.master: local[*] or a cluster URL")
    parser.add_argument("--epsilon", type=float, default=1.0, help="ε of each metric's histogram")
    for name in METRIC_NAMES:
        parser.add_argument(f"--epsilon-{name.replace('_', '-')}", type=float, help=f"ε for {name} only")
    parser.add_argument("--lifetime-epsilon", type=float, help="per-contributor lifetime ε (default 40)")
    parser.add_argument("--lifetime-delta", type=float, help="per-contributor lifetime δ (default 1e-5)")
    args = parser.parse_args(argv)

    from linernotes.coop.release.aggregates import PoolError
    from linernotes.coop.release.budget import Budget, BudgetExceeded, JsonLedger
    from linernotes.coop.release.build import LIFETIME, ReleaseConfig, build_release
    from linernotes.coop.release_format import write_release
    from linernotes.coop.signing import load_or_create_key

    if not args.storage.is_dir():
        return _fail(f"{args.storage}: not a storage folder")
    per_metric = {n: getattr(args, f"epsilon_{n}") or args.epsilon for n in METRIC_NAMES}
    lifetime = Budget(args.lifetime_epsilon or LIFETIME.epsilon, args.lifetime_delta or LIFETIME.delta)
    try:
        owners = orjson.loads(args.owners.read_bytes()) if args.owners else None
        started = time.perf_counter()
        document = build_release(args.storage, key=load_or_create_key(args.key), owners=owners,
                                 engine=args.engine, spark_master=args.spark_master,
                                 config=ReleaseConfig(metric_epsilon=per_metric), lifetime=lifetime,
                                 ledger=JsonLedger(args.ledger) if args.ledger else None)
    except (BudgetExceeded, PoolError, ValueError, OSError) as exc:
        return _fail(str(exc))
    write_release(args.output, document)
    p = document["payload"]
    sys.stdout.write(f"release {p['release_id']}: ~{p['contributors']['benchmarks']:,} benchmarks and "
                     f"~{p['contributors']['taste']:,} taste contributors, ε={p['privacy']['epsilon']:g}, "
                     f"δ={p['privacy']['delta']:g}, {time.perf_counter() - started:.1f} s -> {args.output}\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
