"""Register or serve the deployments.

python -m deployments serve                 # one machine: this process runs scheduled and UI-triggered runs
python -m deployments apply --pool guangying  # production: register for a work pool; start workers with
                                            # `prefect worker start --pool guangying` on as many machines as needed
"""

from __future__ import annotations

import argparse

from deployments.definitions import DEPLOYMENTS, build


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve all deployments from this process")
    apply = sub.add_parser("apply", help="register all deployments for a work pool")
    apply.add_argument("--pool", required=True, help="Prefect work pool name (process, docker or kubernetes)")
    args = parser.parse_args()

    if args.command == "serve":
        from prefect import serve

        serve(*(build(spec) for spec in DEPLOYMENTS))
    else:
        for spec in DEPLOYMENTS:
            deployment_id = build(spec, work_pool=args.pool).apply()
            print(f"deployment {spec.name}: {deployment_id}")


if __name__ == "__main__":
    main()
