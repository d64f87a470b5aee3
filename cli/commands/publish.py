"""`guangying publish [SUBMISSION_ID...] [--json]`: publish the approved works (or the named ones)
for the platforms: renditions, posters, subtitles, manifests and the showcase page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tasks.printable import json_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "publish",
        help="发布优秀作品：生成1080p/720p展播版本、海报、字幕、各平台清单和展播页面",
        description="默认发布最新批准的优秀作品名单；已撤回的作品会从展播中移除。重复运行不会重复上传。",
    )
    parser.add_argument(
        "submission_ids", nargs="*", metavar="SUBMISSION_ID", help="只发布这些作品（受理编号，可只写前几位）"
    )
    parser.add_argument("--json", action="store_true", help="每件已发布作品输出一行JSON")
    parser.add_argument(
        "--preset",
        metavar="PRESET",
        help="x264 编码速度预设（默认 veryfast，按画质测量选定；medium 更慢，SSIM 约高 0.001）",
    )
    parser.set_defaults(handler=run)

    cues = sub.add_parser(
        "subtitles",
        help="查看或确认作品的展播字幕（识别字幕按文稿校正；与文稿不符或无文稿时需人工确认）",
        description="默认显示每集将发布的字幕；--approve 批准当前字幕，--from-file 以校对好的字幕文件为准，"
        "--revoke 撤销批准。确认后重新运行 guangying publish。",
    )
    cues.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    action = cues.add_mutually_exclusive_group()
    action.add_argument("--show", action="store_true", help="显示字幕及其来源、校正和暂缓原因（默认）")
    action.add_argument("--approve", action="store_true", help="批准当前显示的字幕用于展播")
    action.add_argument("--from-file", metavar="FILE", type=Path, help="以这个 .srt/.vtt/.ass 文件为准并批准")
    action.add_argument("--revoke", action="store_true", help="撤销已批准的字幕")
    cues.add_argument("--episode", type=int, metavar="N", help="只处理第N集（系列片）")
    cues.add_argument("--by", metavar="姓名", help="确认人（默认：当前操作员）")
    cues.set_defaults(handler=run_subtitles)


def run(args: argparse.Namespace) -> int:
    from flows.publish import publish
    from tasks.config import get_settings
    from tasks.publish.service import resolve_submissions

    ids: list[str] | None = None
    if args.submission_ids:
        ids, errors = resolve_submissions(get_settings(), args.submission_ids)
        if errors:
            for error in errors:
                print(f"guangying：{error}。", file=sys.stderr)
            return 2
    report = publish(submission_ids=ids, preset=args.preset)
    for line in report["works"]:
        if args.json:
            print(json_line(line), flush=True)
        else:
            sizes = "/".join(dict.fromkeys(r["name"] for r in line["renditions"]))
            episodes = len({r["episode"] for r in line["renditions"]})
            notice = line["ai_label"]["notice"] or "无AI生成内容标注"
            print(f"已发布《{line['title']}》：{episodes}集，{sizes}，{notice}", flush=True)
    if not args.json:
        for note in report.get("notes") or []:
            print(note)
    for problem in report["problems"]:
        print(f"guangying：{problem}", file=sys.stderr)
    if not args.json:
        if not report["works"] and ids is None:
            print("尚无批准的优秀作品名单（或名单中的作品均未能发布）。")
        taken = "、".join(f"《{t}》" for t in report.get("taken_down") or [])
        print(
            f"展播页面：{report['page']}（新上传{len(report['uploaded'])}个文件，移除{len(report['removed'])}个"
            + (f"；撤下{taken}" if taken else "")
            + "）"
        )
    return 1 if report["problems"] else 0


def _show(episode: Any) -> None:
    from tasks.outside import for_terminal
    from tasks.subtitles.model import fmt_time

    chosen = episode.chosen
    head = f"第{episode.number}集（{for_terminal(episode.name)}）"
    if chosen is None:
        print(f"{head}：没有任何字幕来源，展播不带字幕。")
        return
    facts = [f"来源：{SOURCE_NAMES.get(chosen.source, chosen.source)}", f"{len(chosen.cues)}条"]
    if chosen.corrected or chosen.merged:
        facts.append(f"按文稿校正{chosen.corrected}条、合并重复{chosen.merged}条")
    if chosen.mismatch is not None:
        facts.append(f"与文稿不符的字占{chosen.mismatch * 100:.0f}%")
    state = f"暂不发布：{chosen.held}" if chosen.held else "将随作品发布"
    print(f"{head}：{'，'.join(facts)}。{state}")
    for cue in chosen.cues:
        print(f"  {fmt_time(cue.start)} → {fmt_time(cue.end)}  {for_terminal(cue.text)}")


SOURCE_NAMES = {
    "approved": "人工确认",
    "sidecar": "字幕文件",
    "soft": "内嵌字幕轨",
    "burned": "画面字幕（识别，按文稿校正）",
    "transcript": "语音识别（按文稿校正）",
}


def run_subtitles(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.publish import service
    from tasks.publish.subtitles import SubtitleError, cues_from_file

    settings = get_settings()
    ids, errors = service.resolve_submissions(settings, [args.submission_id])
    if errors:
        print(f"guangying：{errors[0]}。", file=sys.stderr)
        return 2
    by = args.by or settings.operator_name
    try:
        file_cues = cues_from_file(args.from_file) if args.from_file else None
        found = service.subtitle_episodes(settings, ids[0], args.episode)
        if args.episode is not None and not found:
            print(f"guangying：该作品没有第{args.episode}集。", file=sys.stderr)
            return 2
        if (args.approve or file_cues) and len(found) > 1 and args.episode is None:
            print("guangying：系列片请用 --episode N 指定要确认的一集。", file=sys.stderr)
            return 2
        for episode in found:
            if args.revoke:
                done = service.revoke_subtitles(settings, episode.file_id)
                print(f"第{episode.number}集：{'已撤销人工确认的字幕' if done else '没有已批准的字幕'}。")
            elif file_cues is not None:
                service.approve_subtitles(settings, episode.file_id, file_cues, by, args.from_file.name)
                print(
                    f"第{episode.number}集：已按{args.from_file.name}批准{len(file_cues)}条字幕（确认人{by}）。"
                )
            elif args.approve:
                if episode.candidate is None:
                    print(
                        f"guangying：第{episode.number}集没有可批准的字幕，请用 --from-file 提供。",
                        file=sys.stderr,
                    )
                    return 1
                service.approve_subtitles(settings, episode.file_id, episode.candidate.cues, by, "候选字幕")
                print(f"第{episode.number}集：已批准{len(episode.candidate.cues)}条字幕（确认人{by}）。")
            else:
                _show(episode)
    except SubtitleError as exc:
        print(f"guangying：{exc}。", file=sys.stderr)
        return 1
    if args.approve or args.from_file or args.revoke:
        print("重新运行 guangying publish 使之生效。")
    return 0
