"""Register or serve the deployments.

python -m deployments serve                   # one machine: this process runs scheduled and UI-triggered runs
python -m deployments apply --pool guangying  # production: the work pool, the asr/ocr concurrency limits and
                                              # every deployment; then `prefect worker start --pool guangying`
                                              # on as many machines as needed
"""

from __future__ import annotations

import asyncio

from deployments.definitions import CONCURRENCY_LIMITS, DEPLOYMENTS, build, ensure_pool_and_limits


def main() -> None:
    from cli.commands.parsing import Parser

    parser = Parser(
        prog="python -m deployments", description="注册或运行光影的 Prefect 部署（流程的运行入口）。"
    )
    sub = parser.add_subparsers(dest="command", required=True, title="命令", metavar="COMMAND")
    sub.add_parser("serve", help="在本进程中运行所有部署（单机：定时任务和界面触发的运行都由本进程执行）")
    apply = sub.add_parser(
        "apply", help="把所有部署注册到一个工作池（生产：随后在各机器上启动 prefect worker）"
    )
    apply.add_argument("--pool", required=True, help="Prefect 工作池名称（不存在则新建为 process 类型）")
    for tag, limit in CONCURRENCY_LIMITS.items():
        apply.add_argument(
            f"--{tag}-limit", type=int, default=limit, help=f"整个工作池同时运行的“{tag}”任务数上限"
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
