"""Register or serve the deployments.

python -m deployments serve                   # one machine: this process runs scheduled and UI-triggered runs
python -m deployments apply --pool guangying  # production: the work pool, the asr/ocr concurrency limits and
                                              # every deployment; then `prefect worker start --pool guangying`
                                              # on as many machines as needed
"""

from __future__ import annotations

import argparse
import asyncio

from deployments.definitions import CONCURRENCY_LIMITS, DEPLOYMENTS, build, ensure_pool_and_limits


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve all deployments from this process")
    apply = sub.add_parser("apply", help="register all deployments for a work pool")
    apply.add_argument(
        "--pool", required=True, help="Prefect work pool name (created as a process pool if missing)"
    )
    for tag, limit in CONCURRENCY_LIMITS.items():
        apply.add_argument(
            f"--{tag}-limit", type=int, default=limit, help=f"task runs tagged '{tag}' at once, pool-wide"
        )
    args = parser.parse_args()

    if args.command == "serve":
        from prefect import serve

        serve(*(build(spec) for spec in DEPLOYMENTS))
        return
    limits = {tag: getattr(args, f"{tag}_limit") for tag in CONCURRENCY_LIMITS}
    asyncio.run(ensure_pool_and_limits(args.pool, limits))
    print(f"work pool {args.pool}; concurrency limits " + ", ".join(f"{t}={n}" for t, n in limits.items()))
    for spec in DEPLOYMENTS:
        deployment_id = build(spec, work_pool=args.pool).apply()
        print(f"deployment {spec.qualified}: {deployment_id}")


if __name__ == "__main__":
    main()
