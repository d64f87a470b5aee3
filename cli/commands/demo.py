"""`guangying demo`: sample packages taken in and screened on the embedded default, with a summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.cells import cell_len

from cli.commands.table import pad
from tasks.findings import CHECK_LABELS, STATUS_LABELS
from tasks.report.receipt import state_label, verdict_label


def _pad(text: str, width: int) -> str:
    """Left-align in terminal columns (a Chinese character takes two), at least one space after."""
    return pad(text, width) if cell_len(text) < width else text + " "


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo", help="生成示例作品包并运行完整流程（受理、审核、评审、批准、展播；本地默认配置）"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from flows.demo import demo_flow
    from tasks.config import get_settings

    settings = get_settings()
    folder = settings.data_dir / "demo-inbox"
    results = demo_flow(folder)
    print("「红色光影 英雄重庆」示例作品受理与审核结果")
    print(f"{_pad('报送人（单位）', 34)}{_pad('作品名称', 10)}{_pad('状态', 36)}结论")
    for result in results:
        if result.get("error"):
            print(f"{result['package']}：{result['error']}")
            continue
        state = state_label(result["state"])
        verdict = verdict_label(result["verdict"])
        who = result["submitter"] or "—"
        if result["unit"] and result["unit"] != who:
            who += f"（{result['unit']}）"
        print(f"{_pad(who, 34)}{_pad(result['title'] or '—', 10)}{_pad(state, 36)}{verdict}")
        for finding in result["findings"]:
            if finding["status"] != "pass":
                label = CHECK_LABELS.get(finding["check"], finding["check"])
                print(f"    [{STATUS_LABELS[finding['status']]}] {label}：{finding['message']}")
    works = [r for r in results if not r.get("error")]
    passed = sum(r["verdict"] == "pass" for r in works)
    print(f"\n共{len(works)}件作品：通过{passed}件，其余需退改、补交或人工复核。")
    print(f"示例作品包：{Path(folder).resolve()}")
    print(f"作品库：{settings.catalogue_url}")
    print(f"原件存储：{settings.store_dir.resolve()}")
    print(f"受理回执：{(settings.data_dir / 'receipts').resolve()}")
    print("查看状态：guangying status；导出汇总表：guangying export")
    return _judging_and_publication(folder)


def _judging_and_publication(folder: Path) -> int:
    from flows.demo import demo_judging_flow
    from samples.demo import LATE_AGREED

    outcome = demo_judging_flow(folder)
    print("\n「红色光影 英雄重庆」示例评审与展播")
    print(f"筹备组同意逾期受理《{LATE_AGREED[0]}》（已记录决定人、时间和理由：{LATE_AGREED[1]}）。")
    print(
        f"评审专家{outcome['experts']}人；参评作品{len(outcome['works'])}件，每件由3位专家评审（回避本单位）："
    )
    for title, experts in outcome["assignment"].items():
        print(f"    《{title}》：{'、'.join(experts)}")
    approval = outcome["approval"]
    print(f"收回评分表{outcome['sheets']}份；优秀作品名单已批准（批准人：{approval.get('by')}）：")
    for tier, numbers in (approval.get("tiers") or {}).items():
        named = [f"{n}《{outcome['works'].get(n, '')}》" for n in numbers]
        print(f"    {tier}：{'、'.join(named) or '无'}")
    for document in approval.get("documents") or []:
        print(f"优秀作品名单：{document}")
    published = outcome["published"]
    for work in published["works"]:
        notice = (work.get("ai_label") or {}).get("notice") or "无人工智能生成内容标识"
        print(f"已发布《{work['title']}》：{len(work['renditions'])}个视频文件；{notice}")
    for problem in published["problems"]:
        print(f"    [提示] {problem}")
    print(f"展播页面（可直接用浏览器打开）：{published['page']}")
    return 0
