"""What every command prints the same way: a package's result line, a refusal, a 受理编号 that
names no work or several."""

from __future__ import annotations

import sys
from typing import Any

from tasks.findings import STATUS_LABELS
from tasks.outside import for_terminal
from tasks.printable import json_line
from tasks.refusals import Refusal
from tasks.report.receipt import verdict_label
from tasks.submissions.service import Refused, SubmissionIdError

# How `ingest` and `run` mark each work: by its verdict (None: the screening has not completed).
MARKS = {"pass": "✓", "fail": "✗", "review": "?", None: "…"}


def _problems(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in item.get("findings", []) if f["status"] != "pass"]


def _failed(result: dict[str, Any]) -> bool:
    """`screen`'s convention: a failure, a work to review and an error count; 审核中 does not."""
    return bool(result.get("error")) or result.get("verdict") in ("fail", "review")


def print_results(results: list[dict[str, Any]], as_json: bool) -> int:
    """One line per package (its mark, title, id and verdict, then its problems); exit status 0 when
    every work passed or is still 审核中, 1 when any failed, needs review or could not be taken in."""
    for result in results:
        if as_json:
            print(json_line(result), flush=True)
        elif result.get("error"):
            print(f"✗ {result['package']}：{result['error']}")
        elif result.get("duplicate"):
            print(f"= {result['package']}：已受理过（受理编号 {result['id']}），未做任何改动。")
        else:
            verdict = result.get("verdict")
            print(
                f"{MARKS.get(verdict, '…')} {result['package']} → 《{result.get('title') or '未识别'}》 "
                f"受理编号 {result['id']}，结论：{verdict_label(verdict)}"
            )
            for finding in _problems(result):
                print(f"    [{STATUS_LABELS.get(finding['status'], finding['status'])}] {finding['message']}")
    if not results and not as_json:
        print("没有新的作品包。")
    return 1 if any(_failed(r) for r in results) else 0


def naming_option(sentence: str, about: str | None) -> str:
    """A service's sentence with the option that gives the input it is about, before its full stop:
    「须写明理由（--note）。」. The services word it for both doors (tasks/refusals.py); the options
    are named after the services' parameters (note → --note, copy → --copy)."""
    if not about:
        return sentence
    body = sentence.removesuffix("。")
    return f"{body}（--{about.replace('_', '-')}）" + sentence[len(body) :]


def refuse(text: object) -> int:
    """A usage error or a refusal of the service: one sentence on stderr, exit status 2."""
    about = text.about if isinstance(text, Refusal) else None
    print(f"guangying：{for_terminal(naming_option(str(text), about))}", file=sys.stderr)
    return 2


def say_refusal(exc: Refused | SubmissionIdError) -> int:
    """What the service refused, on stderr (a prefix that names several works lists them); exit 2."""
    refuse(exc)
    for match in exc.matches if isinstance(exc, SubmissionIdError) else []:
        print(f"    {for_terminal(match.line)}", file=sys.stderr)
    return 2
