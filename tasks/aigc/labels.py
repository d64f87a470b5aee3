"""Pure text rules for AI-content labels: visible label text, spoken disclosures, declarations.

GB 45438-2025 §5.4 / §5.3 (../shared/notes/ai-labels.md): a label has an AI element (人工智能, AI,
AIGC) and 生成 and/or 合成. OCR text is matched strictly after NFKC; Whisper's text is matched fuzzily
(it hears 员工智能 for 人工智能 and sometimes drops the spoken letters "AI").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from tasks.chinese import to_simplified

# "AI" as a word of its own (not inside TRAIN, MAIL); OCR reads a sans-serif I as l, 1 or |, and a
# full-width bold Ｉ (serifed) as 工.
_AI_ELEMENT = re.compile(r"(?<![A-Z])(?:AIGC|A[I1L|丨工](?![A-Z]))|人工智[能慧]")
_MAKE = re.compile(r"生成|合成")

# Spoken: Whisper's homophones of 人工智能 (员工智能, 人工只能…) all keep 智能 or 人工.
_SPOKEN_AI = re.compile(r"AI|A[1L]|人工智[能慧]|[人员仁]工[智只之支知][能]|智能")
# Where a disclosure sentence's AI element is missing (Whisper drops the letters "AI"), it still has
# a subject (画面/视频/内容…) and an agent slot "由…" right before 生成/合成: 「以下画面内容由生成」.
# Ordinary speech with 生成 (系统自动生成报表, 由此生成) has no such subject + 由 + short gap.
# 由 directly before 生成/合成 has lost its agent too (自由/理由 are words of their own).
_WEAK_SPOKEN = re.compile(
    r"(?:画面|视频|影片|本片|内容|影像|图像|图片|声音|配音|片段)[^，。！？；]{0,4}由.{0,2}(?:生成|合成)"
    r"|(?<![自理缘经])由(?:生成|合成)"
)
# Sentences end at these; an AI element and 生成/合成 count together only within one sentence.
_SENTENCE = re.compile(r"[。！？!?；;\n]")

# Declarations (登记表, 文稿): AI used to make the work, or a named generator. Tool names that are
# also everyday words (海螺, 豆包, 清影) are left out: a script may well mention a conch or a bun.
_AI_TOOLS = re.compile(
    r"SORA|MIDJOURNEY|STABLE ?DIFFUSION|RUNWAY|PIKA|DALL[-·]?E|KLING|HAILUO|VIDU|CHATGPT|DEEPSEEK|"
    r"可灵|即梦|通义万相|文心一格|文心一言|腾讯智影|剪映AI"
)
_USE_BEFORE = re.compile(r"使用|利用|借助|采用|运用|通过|由")
_DECLARE_USE = re.compile(r"生成|合成|制作|辅助|创作|绘制|配音|工具|软件|模型|动画|修复|上色|技术制作")
_NEGATION = re.compile(r"(?:未|没有|没|无|不含|不包含|不涉及|并未|均未|非)[^，,：:]{0,6}$")
# A form's question-and-answer: 「是否使用人工智能生成合成内容：是」.
_ANSWER = re.compile(r"[:：](是|有|否|无|没有|未使用|不涉及)")


class Strength(StrEnum):
    STRONG = "strong"  # AI element + 生成/合成
    WEAK = "weak"  # disclosure sentence whose AI element was not heard


def normalise(text: str) -> str:
    """NFKC (full-width ＡＩ → AI), simplified script, upper-case Latin, no spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text)
    return re.sub(r"\s+", "", text).upper()


def is_label_text(text: str) -> bool:
    """A visible label: an AI element and 生成/合成 in the same OCR line (after NFKC)."""
    norm = normalise(text)
    return bool(_AI_ELEMENT.search(norm) and _MAKE.search(norm))


@dataclass(frozen=True, slots=True)
class SpokenMatch:
    sentence: str
    strength: Strength


def spoken_disclosure(text: str) -> SpokenMatch | None:
    """Best disclosure in a (t2s) transcript: strong when an AI element and 生成/合成 share a sentence."""
    weak: SpokenMatch | None = None
    for sentence in _SENTENCE.split(normalise(text)):
        if not sentence:
            continue
        for make in _MAKE.finditer(sentence):
            # The AI element comes before 生成/合成 in a disclosure, at most a few characters away
            # (「由人工智能生成」「AI生成」「人工智能辅助合成」).
            window = sentence[max(0, make.start() - 10) : make.start()]
            if _SPOKEN_AI.search(window):
                return SpokenMatch(sentence, Strength.STRONG)
        if weak is None and _WEAK_SPOKEN.search(sentence):
            weak = SpokenMatch(sentence, Strength.WEAK)
    return weak


@dataclass(frozen=True, slots=True)
class Declaration:
    text: str  # the sentence that says so
    uses_ai: bool  # False: the sentence says AI was NOT used


def _declared_hit(norm: str) -> re.Match[str] | None:
    ai = _AI_ELEMENT.search(norm)
    if ai and (
        _DECLARE_USE.search(norm[ai.end() : ai.end() + 12])
        or _MAKE.search(norm[max(0, ai.start() - 12) : ai.start()])
    ):
        return ai
    tool = _AI_TOOLS.search(norm)
    if tool and (
        _USE_BEFORE.search(norm[max(0, tool.start() - 8) : tool.start()])
        or _DECLARE_USE.search(norm[tool.end() : tool.end() + 12])
    ):
        return tool
    return None


def declarations(text: str | None) -> list[Declaration]:
    """Sentences of a form or script that say AI was (or was not) used to make the work.

    A form question without an answer (「是否使用AI生成：」) says nothing and is skipped.
    """
    found: list[Declaration] = []
    if not text:
        return found
    for raw in _SENTENCE.split(unicodedata.normalize("NFKC", text)):
        sentence = raw.strip()
        norm = normalise(sentence)
        hit = _declared_hit(norm) if norm else None
        if hit is None:
            continue
        if "是否" in norm[: hit.start()]:
            answer = _ANSWER.search(norm, hit.end())
            if answer is None:
                continue
            uses = answer.group(1) in ("是", "有")
        else:
            answer = _ANSWER.search(norm, hit.end())
            negated_after = answer is not None and answer.group(1) not in ("是", "有")
            uses = not (_NEGATION.search(norm[: hit.start()]) or negated_after)
        found.append(Declaration(text=sentence, uses_ai=uses))
    return found
