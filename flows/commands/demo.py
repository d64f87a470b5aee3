"""`guangying demo`: build sample works, run the pipeline on the embedded default, print a summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from tasks.findings import CHECK_LABELS, VERDICT_LABELS


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="生成示例作品并运行完整流程（本地默认配置）")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from flows.demo import demo_flow
    from tasks.config import get_settings

    settings = get_settings()
    folder = settings.data_dir / "demo-inbox"
    results = demo_flow(folder)
    print("「红色光影 英雄重庆」示例作品审核结果")
    print(f"{'报送人（单位）':<18}{'作品名称':<10}{'结论':<8}问题")
    for result in results:
        problems = [
            f"{CHECK_LABELS.get(f['check'], f['check'])}：{f['message']}"
            for f in result["findings"]
            if f["status"] != "pass"
        ]
        print(
            f"{result['submitter']:<18}{result['title']:<10}{VERDICT_LABELS[result['verdict']]:<8}{'；'.join(problems) or '—'}"
        )
    passed = sum(r["verdict"] == "pass" for r in results)
    print(f"\n共{len(results)}件作品：通过{passed}件，其余需退改或人工复核。")
    print(f"示例作品：{Path(folder).resolve()}")
    print(f"作品库：{settings.catalogue_url}")
    print(f"原件存储：{settings.store_dir.resolve()}")
    return 0
