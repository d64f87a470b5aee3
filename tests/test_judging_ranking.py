"""The ranking: the scoring model (quality + expert bias + expert scale, robust) recovers the order
that severity, scale, speciality and wild scores hide; the README's worked example; `ranking --scores`
on a long table; the table in terminal cells; a closed pipe.

Each of these would fail on a broken ranking: a plain mean/SD z-score per expert
(test_experts_who_saw_stronger_works_are_not_pulled_down), the mean of the calibrated scores instead
of the model's estimate (test_one_wild_score_cannot_move_a_work, the worked example), no calibration
(test_a_severe_expert_in_an_incomplete_design, the worked example), no expert-bias term
(test_a_severe_expert_in_an_incomplete_design).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from rich.cells import cell_len
from scipy.stats import spearmanr

from cli.main import SIGPIPE_STATUS, main
from tasks.findings import Check
from tasks.judging import calibration as calibration_module
from tasks.judging import ranking as ranking_module
from tasks.judging.calibration import Calibration, calibrate
from tasks.judging.ranking import Ranking, TierPolicy, Total, rank

# The README's worked example (section 评审): raw totals of three experts on four works.
EXAMPLE = {"0001": (90, 70, 86), "0002": (84, 62, 80), "0003": (88, 68, 50), "0004": (80, 58, 76)}
EXAMPLE_EXPERTS = ("张老师", "李老师", "王老师")
EXAMPLE_TITLES = {
    "0001": "红岩家书",
    "0002": "歌乐山下的红梅（微纪录片·第一集）",
    "0003": "山城记忆",
    "0004": "Vlog",
}


def _totals(table: dict[str, tuple[float, ...]], experts: tuple[str, ...]) -> list[Total]:
    return [
        Total(work, expert, float(total))
        for work, row in table.items()
        for expert, total in zip(experts, row, strict=True)
        if total is not None
    ]


def _rank(totals: list[Total], policy: TierPolicy | None = None) -> Ranking:
    assigned: dict[str, list[str]] = {}
    for item in totals:
        assigned.setdefault(item.work, []).append(item.expert)
    return rank(totals, assigned, policy or TierPolicy())


def _order(ranking: Ranking) -> list[str]:
    return [w.number for w in ranking.works]


def test_the_readme_worked_example() -> None:
    ranking = _rank(_totals(EXAMPLE, EXAMPLE_EXPERTS))
    scores = {w.number: w.score for w in ranking.works}
    assert scores == pytest.approx({"0001": 82.01, "0002": 75.34, "0003": 78.77, "0004": 71.34}, abs=0.02)
    assert {w.number: w.rank for w in ranking.works} == {"0001": 1, "0003": 2, "0002": 3, "0004": 4}
    calibration = ranking.calibration
    assert calibration is not None
    assert calibration.bias.to_dict() == pytest.approx(
        {"张老师": 8.6, "李老师": -12.4, "王老师": 3.8}, abs=0.1
    )
    assert calibration.scale.to_dict() == {"张老师": 1.0, "李老师": 1.0, "王老师": 1.0}  # 4 scores: no scale
    wild = ranking.normalised.set_index(["work", "expert"]).loc[("0003", "王老师")]
    assert wild["weight"] < 0.1 and wild["expected"] == pytest.approx(83, abs=0.5)
    # 4 works: 10 % is one 特别优秀, 30 % rounds to one work in all, so no 优秀.
    assert ranking.proposal() == {"特别优秀": ["0001"], "优秀": []}
    notes = {w.number: w.notes for w in ranking.works}
    assert notes["0003"] == ["专家评分相差38分", "专家王老师的50分比按其宽严预期的83分低33分，计入权重0.07"]
    # One wild score does not make 王老师's order look reversed, nor anybody's bias stand out.
    assert [f.message for f in ranking.findings] == ["编号0003的专家评分相差38分（50–88），建议复议"]
    assert (ranking.agreement_raw, ranking.agreement_normalised) == (-0.181, 0.021)
    # Notes do not decide proposals: 0003 has two and is proposed when the tier has room.
    wider = _rank(_totals(EXAMPLE, EXAMPLE_EXPERTS), TierPolicy(1, 2))
    assert wider.proposal() == {"特别优秀": ["0001"], "优秀": ["0003"]}


def test_a_severe_expert_in_an_incomplete_design() -> None:
    # True quality falls by 2 points a work; each work has two of four experts; 严老师 is 15
    # points more severe and happens to review the three best works. By the raw mean they fall.
    quality = {f"{i:04d}": 84.0 - 2 * i for i in range(1, 9)}
    bias = {"张老师": 0.0, "王老师": 0.0, "刘老师": 0.0, "严老师": -15.0}
    pairs = {
        "0001": ("严老师", "张老师"),
        "0002": ("严老师", "王老师"),
        "0003": ("严老师", "刘老师"),
        "0004": ("张老师", "王老师"),
        "0005": ("王老师", "刘老师"),
        "0006": ("刘老师", "张老师"),
        "0007": ("严老师", "张老师"),
        "0008": ("王老师", "刘老师"),
    }
    totals = [Total(w, e, quality[w] + bias[e]) for w, experts in pairs.items() for e in experts]
    ranking = _rank(totals)
    assert _order(ranking) == sorted(quality)
    assert {w.number: w.score for w in ranking.works} == pytest.approx(
        {w: q - 3.75 for w, q in quality.items()}, abs=0.05
    )  # the average expert is 15 / 4 points more severe than the three others
    raw = {w.number: w.raw_mean for w in ranking.works}
    assert raw["0001"] < raw["0004"]  # what the raw mean would have ranked


def test_experts_who_saw_stronger_works_are_not_pulled_down() -> None:
    # Assignment by speciality: 甲 reviews only the strong category, 乙 only the weak one, 丙 all.
    # Nobody is biased. A per-expert z-score would give 甲's weakest work what 乙's weakest gets.
    strong = {f"S{i}": 86.0 - i for i in range(4)}
    weak = {f"W{i}": 66.0 - i for i in range(4)}
    totals = [Total(w, "甲", q) for w, q in strong.items()] + [Total(w, "乙", q) for w, q in weak.items()]
    totals += [Total(w, "丙", q) for w, q in {**strong, **weak}.items()]
    ranking = _rank(totals)
    assert _order(ranking) == [*strong, *weak]
    assert {w.number: w.score for w in ranking.works} == pytest.approx({**strong, **weak}, abs=0.05)


def test_one_wild_score_cannot_move_a_work() -> None:
    rng = np.random.default_rng(7)
    experts = ("甲", "乙", "丙", "丁")
    table = {
        f"{i:04d}": tuple(float(round(88 - 2.5 * i + rng.normal(0, 1.5))) for _ in experts) for i in range(10)
    }
    before = _rank(_totals(table, experts))
    table["0004"] = (table["0004"][0], table["0004"][1], 5.0, table["0004"][3])  # a misread sheet
    after = _rank(_totals(table, experts))
    score = {w.number: w.score for w in before.works}
    moved = {w.number: abs((w.score or 0) - (score[w.number] or 0)) for w in after.works}
    assert moved["0004"] < 2.5  # the mean of the four would move by 20
    assert max(moved.values()) < 2.5
    assert _order(after) == _order(before)
    assert any(note.startswith("专家丙的5分") for w in after.works for note in w.notes if w.number == "0004")


def test_an_expert_who_stretches_their_scores() -> None:
    # 宽老师 doubles every distance from 75; both halves of their works are also seen by others.
    quality = {f"{i:04d}": 86.0 - 1.5 * i for i in range(12)}
    others = ("甲", "乙", "丙")
    totals = []
    for index, (work, q) in enumerate(quality.items()):
        if index % 2 == 0:
            totals += [Total(work, "宽老师", 75 + 2 * (q - 75)), Total(work, others[index % 3], q)]
        else:
            totals += [Total(work, others[index % 3], q), Total(work, others[(index + 1) % 3], q)]
    ranking = _rank(totals)
    calibration = ranking.calibration
    assert calibration is not None and calibration.scale["宽老师"] > 1.5  # 2, shrunk towards 1 by its prior
    assert _order(ranking) == list(quality)
    without_scale = {w.number: w.raw_mean for w in ranking.works}  # what a shift alone cannot undo
    assert sorted(without_scale, key=lambda w: -(without_scale[w] or 0)) != list(quality)


def test_a_disconnected_design_is_reported_and_compared_by_its_groups() -> None:
    # Two panels that share no expert: within each the biases average 0.
    group_a = {"0001": (80, 70), "0002": (76, 66)}
    group_b = {"0003": (90, 86), "0004": (70, 66)}
    totals = _totals(group_a, ("甲", "乙")) + _totals(group_b, ("丙", "丁"))
    ranking = _rank(totals)
    calibration = ranking.calibration
    assert calibration is not None and calibration.groups == 2
    assert calibration.bias.to_dict() == pytest.approx({"甲": 5, "乙": -5, "丙": 2, "丁": -2}, abs=0.05)
    assert [w.score for w in ranking.works] == pytest.approx([88, 75, 71, 68], abs=0.05)
    groups = [f for f in ranking.findings if f.check == Check.SCORES]
    assert [f.message for f in groups] == [
        "评审分配分成2个互不相连的组（各组作品数：2、2），组与组之间没有共同的评审专家；"
        "组间比较假定各组专家平均宽严相同，建议增派跨组专家复评"
    ]


def test_works_with_few_scores() -> None:
    # 0005 has only 严老师's score (known severe from the other works): it is calibrated, ranked,
    # not proposed; 0006 has none: listed last, without a rank.
    table = {f"{i:04d}": (88.0 - 3 * i, 88.0 - 3 * i - 12, 88.0 - 3 * i) for i in range(1, 5)}
    totals = [*_totals(table, ("甲", "严老师", "乙")), Total("0005", "严老师", 70.0)]
    assigned = {w: ["甲", "严老师", "乙"] for w in [*table, "0005", "0006"]}
    ranking = rank(totals, assigned, TierPolicy(1, 2))
    by_number = {w.number: w for w in ranking.works}
    assert by_number["0005"].score == pytest.approx(78, abs=0.1)  # 70 + the 8 points of severity
    assert not by_number["0005"].eligible and by_number["0005"].notes == ["评分未完成（1/3）"]
    assert by_number["0006"].rank is None and _order(ranking)[-1] == "0006"
    assert ranking.proposal() == {"特别优秀": ["0001"], "优秀": ["0002"]}


def _simulated(seed: int) -> tuple[list[Total], dict[str, float]]:
    """A confounded design as bench/ranking.py makes them, small: 60 works × 8 experts × 3."""
    rng = np.random.default_rng(seed)
    strength = [6, 3, 0, -3]
    experts = [f"专家{i}" for i in range(8)]
    bias = rng.normal(0, 8, len(experts))
    scale = np.exp(rng.normal(0, 0.3, len(experts)))
    quality, totals = {}, []
    for i in range(60):
        category = i % 4
        work = f"{i:04d}"
        quality[work] = 72 + strength[category] + rng.normal(0, 7)
        panel = [2 * category, 2 * category + 1, (2 * category + 2 + i % 6) % 8]  # speciality first
        for e in panel:
            total = 72 + bias[e] + scale[e] * (quality[work] - 72) + rng.normal(0, 4)
            totals.append(Total(work, experts[e], float(np.clip(round(total), 0, 100))))
    return totals, quality


def test_the_model_recovers_the_order_the_raw_mean_misses() -> None:
    gains = []
    for seed in range(3):
        totals, quality = _simulated(seed)
        ranking = _rank(totals)
        truth = [quality[w.number] for w in ranking.works]
        model = spearmanr([w.score for w in ranking.works], truth).statistic
        raw = spearmanr([w.raw_mean for w in ranking.works], truth).statistic
        assert model > 0.85 and model > raw
        gains.append(model - raw)
    assert np.mean(gains) > 0.1  # measured: 0.14, 0.03, 0.25


# The command line ------------------------------------------------------------------------------


def _example_csv(path: Path, encoding: str, header: str = "编号,作品名称,专家,总分") -> Path:
    lines = [header]
    for work, row in EXAMPLE.items():
        for expert, total in zip(EXAMPLE_EXPERTS, row, strict=True):
            lines.append(f"{work},{EXAMPLE_TITLES[work]},{expert},{total}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16"])
def test_ranking_a_long_table_without_a_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    table = _example_csv(tmp_path / "评分.csv", encoding)
    code, out, err = _run(
        capsys, "ranking", "--scores", str(table), "--json", "--special", "1", "--excellent", "2"
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [list(line)[:4] for line in lines] == [["work", "score", "rank", "tier"]] * 4
    assert [(line["work"], line["rank"], line["tier"]) for line in lines] == [
        ("0001", 1, "特别优秀"),
        ("0003", 2, "优秀"),
        ("0002", 3, None),
        ("0004", 4, None),
    ]
    assert lines[1]["score"] == pytest.approx(78.77, abs=0.02) and lines[1]["title"] == "山城记忆"
    assert (
        _run(capsys, "ranking", "--scores", str(table), "--json", "--special", "1", "--excellent", "2")[1]
        == out
    )


def test_a_corrected_long_table_is_ranked_anew(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _example_csv(tmp_path / "评分.csv", "utf-8")
    _, before, _ = _run(capsys, "ranking", "--scores", str(table), "--json")
    table.write_text(table.read_text(encoding="utf-8").replace("王老师,50", "王老师,84"), encoding="utf-8")
    _, after, _ = _run(capsys, "ranking", "--scores", str(table), "--json")
    first, second = (
        {line["work"]: line for line in map(json.loads, text.splitlines())} for text in (before, after)
    )
    assert first["0003"]["notes"] and not second["0003"]["notes"]  # the misread 50, corrected to 84
    assert second["0003"]["score"] == pytest.approx(80, abs=0.3) and second["0003"]["rank"] == 2
    assert second["0003"]["raw_mean"] == pytest.approx(80) and first["0003"]["raw_mean"] == pytest.approx(
        68.67
    )


def test_a_long_table_in_xlsx_and_its_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "专家", "总分"])
    for work, row in EXAMPLE.items():
        for expert, total in zip(EXAMPLE_EXPERTS, row, strict=True):
            sheet.append([work, expert, total])
    sheet.append(["0001", "张 老师", 91])  # the same expert, spelled with a space
    sheet.append(["0005", "", 80])
    sheet.append(["0006", "王老师", "九十"])
    sheet.append(["0007", "王老师", 120])
    book.save(tmp_path / "评分.xlsx")
    code, out, err = _run(capsys, "ranking", "--scores", str(tmp_path / "评分.xlsx"))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "  [错误] 评分.xlsx 第14行：编号0001已有专家张老师的评分（第2行），重复",
        "  [错误] 评分.xlsx 第15行：未填写“专家”",
        "  [错误] 评分.xlsx 第16行：“总分”应为数字（填写的是“九十”）",
        "  [错误] 评分.xlsx 第17行：总分120超出0–100分的范围",
        "guangying：评分表有错误，未排名（评分.xlsx）",
    ]
    code, _, err = _run(capsys, "ranking", "--scores", str(tmp_path / "没有.csv"))
    assert code == 2 and "文件不存在" in err
    (tmp_path / "别的.csv").write_text("编号,姓名\n1,张\n", encoding="utf-8")
    code, _, err = _run(capsys, "ranking", "--scores", str(tmp_path / "别的.csv"))
    assert code == 2 and "找不到表头（需要列：编号、专家、总分）" in err


def test_the_ranking_table_is_measured_in_terminal_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _example_csv(tmp_path / "评分.csv", "utf-8")
    code, out, _ = _run(capsys, "ranking", "--scores", str(table))
    assert code == 0
    lines = out.splitlines()[:5]
    assert lines[0].startswith("名次") and "得分" in lines[0]

    def column(line: str, text: str) -> int:
        return cell_len(line[: line.index(text)])

    # 得分 and 原始均分 start at the same terminal cell on every line, whatever the titles' widths.
    starts = [column(lines[0], "得分")] + [
        column(line, f"{w.score:.2f}")
        for line, w in zip(lines[1:], _rank(_totals(EXAMPLE, EXAMPLE_EXPERTS)).works, strict=True)
    ]
    assert len(set(starts)) == 1
    assert "歌乐山下的红梅（微纪录…" in out  # cut at the column's width, marked
    title = "\x1b[2J红岩\u202e家书"
    hostile = tmp_path / "恶意.csv"
    hostile.write_text(
        f"编号,作品名称,专家,总分\n0001,{title},张老师,90\n0001,{title},李老师,80\n", encoding="utf-8"
    )
    code, out, _ = _run(capsys, "ranking", "--scores", str(hostile))
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\\x1b[2J红岩" in out


def _closed_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before we write, as `| head -1` is after its line
    try:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)


def test_a_closed_pipe_ends_quietly(tmp_path: Path, data_dir: Path) -> None:
    table = _example_csv(tmp_path / "评分.csv", "utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for argv in (["ranking", "--scores", str(table)], ["ranking"]):
        result = _closed_pipe(argv, env)
        assert result.returncode == SIGPIPE_STATUS, result.stderr.decode()
        assert result.stderr == b""
    assert _closed_pipe(["--help"], env).stderr == b""  # argparse's own output: quiet too
    assert not (data_dir / "logs").exists()  # no crash log


# Broken rankings these tests catch ---------------------------------------------------------------


def _package(frame: pd.DataFrame, calibrated: pd.Series, quality: pd.Series) -> Calibration:
    experts = sorted(frame["expert"].unique())
    frame = frame.assign(calibrated=calibrated, expected=frame["total"], weight=1.0, group=0)
    ones = pd.Series(1.0, index=experts)
    return Calibration(float(frame["total"].median()), quality, ones * 0, ones, 1.0, 1, frame)


def _zscore(frame: pd.DataFrame) -> Calibration:
    """Each expert's totals as z-scores (mean/SD), on the common scale; a work's mean."""
    frame = frame.reset_index(drop=True)
    by_expert = frame.groupby("expert")["total"]
    spread = by_expert.transform(lambda v: v.std(ddof=0) or 1.0)
    z = (frame["total"] - by_expert.transform("mean")) / spread
    calibrated = frame["total"].mean() + z * frame["total"].std(ddof=0)
    return _package(frame, calibrated, calibrated.groupby(frame["work"]).mean())


def _mean_of_calibrated(frame: pd.DataFrame) -> Calibration:
    """The model's calibration, but a work's score the mean of its calibrated scores."""
    fitted = calibrate(frame)
    fitted.quality = fitted.frame.groupby("work")["calibrated"].mean()
    return fitted


def _uncalibrated(frame: pd.DataFrame) -> Calibration:
    frame = frame.reset_index(drop=True)
    return _package(frame, frame["total"], frame.groupby("work")["total"].mean())


@pytest.mark.parametrize(
    ("mutant", "catches"),
    [
        (_zscore, [test_experts_who_saw_stronger_works_are_not_pulled_down]),
        (_mean_of_calibrated, [test_one_wild_score_cannot_move_a_work]),
        (_uncalibrated, [test_a_severe_expert_in_an_incomplete_design]),
        ("no bias", [test_a_severe_expert_in_an_incomplete_design]),
    ],
    ids=["mean-SD z-score", "mean instead of the estimate", "no calibration", "no expert bias"],
)
def test_a_broken_ranking_fails_these_tests(
    monkeypatch: pytest.MonkeyPatch, mutant: Callable[[pd.DataFrame], Calibration] | str, catches: list
) -> None:
    if mutant == "no bias":  # the ridge pins every bias to 0: the model keeps only the scales
        monkeypatch.setattr(calibration_module, "BIAS_PRIOR_SD", 1e-9)
    else:
        monkeypatch.setattr(ranking_module, "calibrate", mutant)
    for test in [test_the_readme_worked_example, *catches]:
        with pytest.raises(AssertionError):
            test()


def test_the_proposal_artifact_escapes_titles_and_notes() -> None:
    import re

    from tasks.judging.proposal import proposal_markdown

    row = {
        **_rank(_totals(EXAMPLE, EXAMPLE_EXPERTS)).works[0].to_dict(),
        "title": "红岩|家书](http://x) ![图](http://y)",
        "notes": ["专家*张*的评分|偏高"],
    }
    markdown = proposal_markdown(
        {
            "rows": [row],
            "findings": ["专家[张](http://z)偏高"],
            "agreement_raw": 0.5,
            "agreement_normalised": 0.9,
        }
    )
    line = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert len(re.findall(r"(?<!\\)\|", line)) == 9  # eight cells, no cell split by a title
    assert "](http" not in markdown.replace("\\]\\(http", "") and "校正后 0.9" in markdown
