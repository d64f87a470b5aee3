"""Originality (四（一）4「作品必须为原创短视频，严禁剽窃抄袭」): near-duplicate works.

Each video becomes a signature: frames sampled at a fixed rate, each reduced to a 64-bit
perceptual hash (DCT of a 32×32 grey thumbnail, as pHash), near-uniform frames (black, fades,
a plain background) marked as carrying no evidence. Two works are a pair when, over one time
alignment, most of the shorter one's informative frames match the other's (Hamming distance ≤
`MATCH_BITS`) and the matches are several distinct pictures. So a re-encode at another bitrate, a
copy scaled to 720p or one with the first second cut is caught, while two works that only share
a title card or a black opening are not. Candidate pairs come from an index of keys (fixed
random choices of 20 of the 64 hash bits, 12 tables, as in locality-sensitive hashing), so the
check never compares every pair.
Pairs are flagged for an operator; nothing is decided automatically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np

from tasks.media import runner
from tasks.media.decode import RawBranch

SAMPLE_FPS = 2.0
THUMB = 32
UNIFORM_STD = 6.0  # grey-level standard deviation below which a frame shows nothing in particular
MATCH_BITS = 10  # of 64
MIN_FRACTION = 0.6  # of the shorter work's informative frames, over one alignment
MIN_MATCHED = 4  # frames (two seconds at 2 fps)
MIN_DISTINCT = 3  # distinct pictures among the matched frames: a held title card is one
DISTINCT_BITS = 12
BAND_BITS = 16  # bands that vote for alignments within one pair
POPULAR_BUCKET = 64  # a band value shared by more videos than this is a common picture, not evidence


@dataclass(frozen=True, slots=True)
class Signature:
    """Sampled frame hashes of one video; `informative[i]` is False for near-uniform frames."""

    hashes: np.ndarray  # uint64
    informative: np.ndarray  # bool
    fps: float = SAMPLE_FPS

    def to_json(self) -> dict:
        return {
            "fps": self.fps,
            "hashes": [f"{int(h):016x}" for h in self.hashes],
            "informative": "".join("1" if i else "0" for i in self.informative),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Signature:
        hashes = np.array([int(h, 16) for h in data["hashes"]], dtype=np.uint64)
        informative = np.array([c == "1" for c in data["informative"]], dtype=bool)
        return cls(hashes, informative, float(data.get("fps", SAMPLE_FPS)))


class SignatureError(Exception):
    pass


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    matrix[0] /= np.sqrt(2)
    return matrix


_DCT = _dct_matrix(THUMB)
_BITS = (np.uint64(1) << np.arange(64, dtype=np.uint64)).astype(np.uint64)


def hash_frames(frames: np.ndarray) -> Signature:
    """pHash of each (n, 32, 32) grey frame: the low 8×8 DCT block against its median (DC left out)."""
    if len(frames) == 0:
        return Signature(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool))
    data = frames.astype(np.float32)
    coefficients = _DCT @ data @ _DCT.T
    low = coefficients[:, :8, :8].reshape(len(frames), 64)
    median = np.median(low[:, 1:], axis=1, keepdims=True)
    bits = (low > median).astype(np.uint64)
    hashes = (bits * _BITS).sum(axis=1, dtype=np.uint64)
    informative = data.reshape(len(frames), -1).std(axis=1) >= UNIFORM_STD
    return Signature(hashes.astype(np.uint64), informative)


def signature_command(path: Path, fps: float = SAMPLE_FPS) -> list[str]:
    """ffmpeg decoding the video (the stream ffmpeg picks itself; loop filter skipped: the
    thumbnails do not need it) into grey 32×32 thumbnails at `fps`, raw on stdout."""
    vf = f"fps={fps},scale={THUMB}:{THUMB}:flags=area,format=gray"
    options: dict[str, object] = {"an": None, "sn": None, "dn": None, "vf": vf, "format": "rawvideo"}
    out = ffmpeg.input(str(path), skip_loop_filter="all").output("pipe:1", **options)
    return out.global_args(*runner.GLOBAL_ARGS, "-v", "error").compile()


# 2 fps thumbnails of a 36-hour file; anything claiming more is not a contest work.
MAX_SIGNATURE_BYTES = 1 << 28


def signature_branch(path: Path, fps: float = SAMPLE_FPS) -> RawBranch:
    """The signature's thumbnails as a branch of screening's one full decode, written to `path`:
    a screened video's signature costs no decode of its own (`signature_from_raw` reads it)."""
    return RawBranch(
        path,
        (("fps", (fps,), {}), ("scale", (THUMB, THUMB), {"flags": "area"}), ("format", ("gray",), {})),
    )


def signature_from_raw(data: bytes, fps: float = SAMPLE_FPS) -> Signature:
    """Pure: raw grey 32×32 thumbnails (a trailing partial frame ignored) → their signature."""
    size = THUMB * THUMB
    usable = len(data) // size * size
    frames = np.frombuffer(data[:usable], dtype=np.uint8).reshape(-1, THUMB, THUMB)
    signature = hash_frames(frames)
    return Signature(signature.hashes, signature.informative, fps)


def video_signature(path: Path, fps: float = SAMPLE_FPS, timeout: float = 1800) -> Signature:
    """Decode `path` once into grey 32×32 thumbnails at `fps`, then hash them (for a video that
    screening did not sign: one screened before the signature rode on its decode)."""
    done = runner.run(signature_command(path, fps), timeout=timeout, max_stdout=MAX_SIGNATURE_BYTES)
    if done.timed_out:
        raise SignatureError(f"取帧超时（{timeout:.0f}秒）")
    if done.truncated:
        raise SignatureError("取帧数据超出上限，视频时长异常")
    if done.returncode != 0 and len(done.stdout) < THUMB * THUMB:
        raise SignatureError(f"无法解码视频：{done.log_tail(1) or '?'}")
    return signature_from_raw(done.stdout, fps)


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values)


@dataclass(frozen=True, slots=True)
class Match:
    offset: int  # frames of `b` before `a` starts: a[i] aligns with b[i + offset]
    matched: int
    informative: int  # informative frames of the shorter video
    distinct: int
    fraction: float

    @property
    def duplicate(self) -> bool:
        return self.fraction >= MIN_FRACTION and self.matched >= MIN_MATCHED and self.distinct >= MIN_DISTINCT


def _distinct(hashes: np.ndarray) -> int:
    kept: list[int] = []
    for value in hashes.tolist():
        if all(int(_popcount(np.asarray(np.uint64(value ^ k)))) > DISTINCT_BITS for k in kept):
            kept.append(value)
            if len(kept) >= MIN_DISTINCT * 3:
                break
    return len(kept)


def compare_at(a: Signature, b: Signature, offset: int) -> Match:
    """How well `a` matches `b` when a[i] is aligned with b[i + offset]."""
    start = max(0, -offset)
    stop = min(len(a.hashes), len(b.hashes) - offset)
    shorter = int(min(a.informative.sum(), b.informative.sum()))
    if stop <= start or shorter == 0:
        return Match(offset, 0, shorter, 0, 0.0)
    ha, hb = a.hashes[start:stop], b.hashes[start + offset : stop + offset]
    both = a.informative[start:stop] & b.informative[start + offset : stop + offset]
    close = (_popcount(ha ^ hb) <= MATCH_BITS) & both
    matched = int(close.sum())
    return Match(offset, matched, shorter, _distinct(ha[close]), matched / shorter)


def _bands(hashes: np.ndarray) -> np.ndarray:
    """(n, 4) 16-bit bands of each hash."""
    shifts = np.arange(0, 64, BAND_BITS, dtype=np.uint64)
    return ((hashes[:, None] >> shifts[None, :]) & np.uint64((1 << BAND_BITS) - 1)).astype(np.int64)


def candidate_offsets(a: Signature, b: Signature, top: int = 3) -> list[int]:
    """The alignments most voted for by frames that share a band."""
    votes: dict[int, int] = defaultdict(int)
    index: dict[tuple[int, int], list[int]] = defaultdict(list)
    for j, row in enumerate(_bands(b.hashes)):
        if b.informative[j]:
            for band, value in enumerate(row.tolist()):
                index[(band, value)].append(j)
    for i, row in enumerate(_bands(a.hashes)):
        if a.informative[i]:
            for band, value in enumerate(row.tolist()):
                for j in index.get((band, value), ())[:50]:
                    votes[j - i] += 1
    ranked = sorted(votes.items(), key=lambda item: (-item[1], abs(item[0])))[:top]
    return sorted({o + d for o, _ in ranked for d in (-1, 0, 1)})


def best_match(a: Signature, b: Signature) -> Match:
    matches = [compare_at(a, b, offset) for offset in candidate_offsets(a, b)] or [compare_at(a, b, 0)]
    return max(matches, key=lambda m: (m.duplicate, m.fraction, m.matched, -abs(m.offset)))


@dataclass(frozen=True, slots=True)
class Pair:
    first: str  # work key (e.g. the 评审编号)
    second: str
    first_file: str
    second_file: str
    match: Match

    def seconds_offset(self, fps: float = SAMPLE_FPS) -> float:
        return self.match.offset / fps

    def message(self) -> str:
        m = self.match
        shift = self.seconds_offset()
        where = "时间对齐" if shift == 0 else f"错开{abs(shift):g}秒"
        return (
            f"作品{self.first}（{self.first_file}）与作品{self.second}（{self.second_file}）画面高度相似："
            f"{where}后，较短作品的{m.informative}个有效取样帧中有{m.matched}个（{m.fraction:.0%}）近似一致，"
            "疑似重复报送或剪辑复用，请人工核实"
        )


_TABLES = 12
_KEY_BITS = 20
_PERMUTATIONS = np.array(
    [np.random.default_rng(20261130 + t).permutation(64)[:_KEY_BITS] for t in range(_TABLES)], dtype=np.uint64
)
_KEY_WEIGHTS = (np.uint64(1) << np.arange(_KEY_BITS, dtype=np.uint64)).astype(np.uint64)
MIN_SHARED_KEYS = 3
# Unrelated five-minute works share a few keys by chance; a copy shares hundreds. A pair is a
# candidate when it shares this fraction of the smaller key set (and at least MIN_SHARED_KEYS).
MIN_SHARED_FRACTION = 0.02


def frame_keys(signature: Signature) -> np.ndarray:
    """Distinct lookup keys of a video's informative frames: for each of `_TABLES` fixed random
    choices of 20 of the 64 bits, the chosen bits (table number in the high word). Two frames 6 bits
    apart share a key with probability ≈ 0.7; unrelated frames rarely do."""
    hashes = signature.hashes[signature.informative]
    if not len(hashes):
        return np.zeros(0, dtype=np.uint64)
    keys = []
    for table in range(_TABLES):
        bits = (hashes[:, None] >> _PERMUTATIONS[table][None, :]) & np.uint64(1)
        keys.append((bits * _KEY_WEIGHTS).sum(axis=1, dtype=np.uint64) | (np.uint64(table) << np.uint64(32)))
    return np.unique(np.concatenate(keys))


def candidate_pairs(
    signatures: Sequence[tuple[str, str, Signature]], min_shared: int = MIN_SHARED_KEYS
) -> list[tuple[int, int]]:
    """Pairs of videos (of different works) sharing at least `min_shared` keys; a key shared by more
    than `POPULAR_BUCKET` videos is a common picture (a contest logo, a stock shot), not evidence.
    Vectorised: buckets of one size are expanded into pairs together."""
    keys = [frame_keys(signature) for _, _, signature in signatures]
    if len(keys) < 2:
        return []
    work_of = {key: i for i, key in enumerate(sorted({w for w, _, _ in signatures}))}
    works = np.array([work_of[w] for w, _, _ in signatures], dtype=np.int64)
    owners = np.concatenate([np.full(len(k), v, dtype=np.int64) for v, k in enumerate(keys)])
    values = np.concatenate(keys)
    order = np.argsort(values, kind="stable")
    values, owners = values[order], owners[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    codes = []
    n = np.int64(len(signatures))
    for size in range(2, POPULAR_BUCKET + 1):
        chosen = starts[sizes == size]
        if not len(chosen):
            continue
        members = owners[chosen[:, None] + np.arange(size)[None, :]]  # owners are sorted within a bucket
        for i in range(size):
            for j in range(i + 1, size):
                first, second = members[:, i], members[:, j]
                keep = works[first] != works[second]
                codes.append(first[keep] * n + second[keep])
    if not codes:
        return []
    pair_codes, counts = np.unique(np.concatenate(codes), return_counts=True)
    sizes_of = np.array([len(k) for k in keys], dtype=np.int64)
    smaller = np.minimum(sizes_of[pair_codes // n], sizes_of[pair_codes % n])
    needed = np.maximum(min_shared, np.ceil(MIN_SHARED_FRACTION * smaller))
    selected = pair_codes[counts >= needed]
    return [(int(c // n), int(c % n)) for c in selected]


def find_pairs(signatures: Sequence[tuple[str, str, Signature]]) -> list[Pair]:
    """Near-duplicate pairs among (work key, file name, signature); videos of the same work (the
    episodes of a series) are never paired with each other."""
    pairs: list[Pair] = []
    for x, y in candidate_pairs(signatures):
        (work_a, file_a, sig_a), (work_b, file_b, sig_b) = signatures[x], signatures[y]
        match = best_match(sig_a, sig_b)
        if match.duplicate:
            pairs.append(Pair(work_a, work_b, file_a, file_b, match))
    best: dict[tuple[str, str], Pair] = {}
    for pair in pairs:  # one pair per two works: the strongest of their files' pairs
        key = (min(pair.first, pair.second), max(pair.first, pair.second))
        if key not in best or pair.match.fraction > best[key].match.fraction:
            best[key] = pair
    return [best[key] for key in sorted(best)]
