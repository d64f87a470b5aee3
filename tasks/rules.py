"""The contest's rules as data: every limit the notice sets, in one place.

Each field cites the sentence of 《关于开展“红色光影 英雄重庆”党史短视频征集展播活动的通知》 it comes from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class AspectRatio:
    label: str
    width: int
    height: int

    @property
    def value(self) -> float:
        return self.width / self.height


@dataclass(frozen=True, slots=True)
class ContestRules:
    # 四（二）「推荐作品类别涵盖微专题、微纪录片、微动漫、Vlog、情景再现等多种形式」
    categories: tuple[str, ...] = ("微专题", "微纪录片", "微动漫", "Vlog", "情景再现")
    # 四（二）「单集时长不超过5分钟，可成系列」
    max_episode_seconds: float = 300.0
    # 四（二）「画面清晰稳定（分辨率不低于1080P）」: 1080P is judged on the displayed frame's short side.
    min_short_side_px: int = 1080
    # 四（二）「横屏（16:9、4:3、3:2）或竖屏（9:16、3:4、2:3）均可」
    aspect_ratios: tuple[AspectRatio, ...] = (
        AspectRatio("16:9", 16, 9),
        AspectRatio("4:3", 4, 3),
        AspectRatio("3:2", 3, 2),
        AspectRatio("9:16", 9, 16),
        AspectRatio("3:4", 3, 4),
        AspectRatio("2:3", 2, 3),
    )
    # Relative tolerance on the ratio: 1920×1088 (coded-size padding) or 1080×1920±few px still count.
    aspect_tolerance: float = 0.02
    # 四（二）「帧速不低于25帧/秒」; 0.5 % slack so that 25000/1001-style rounding is not punished.
    min_fps: float = 25.0
    fps_tolerance: float = 0.005
    # 四（二）「文件格式支持MPG、MPEG、MP4、MOV等格式」, judged on ffprobe's demuxer names.
    allowed_formats: dict[str, str] = field(
        default_factory=lambda: {
            "mpeg": "MPG/MPEG",  # MPEG program stream (MPEG-TS is not among the allowed formats)
            "mov": "MP4/MOV",
            "mp4": "MP4/MOV",
            "m4a": "MP4/MOV",
            "3gp": "MP4/MOV",
            "3g2": "MP4/MOV",
            "mj2": "MP4/MOV",
        }
    )
    allowed_extensions: tuple[str, ...] = (".mpg", ".mpeg", ".mp4", ".mov", ".m4v")
    # 四（二）「画面清晰稳定」: advisory checks only, the notice gives no numbers.
    black_min_seconds: float = 3.0
    freeze_min_seconds: float = 5.0
    # 五「2026年11月30日前」
    deadline: datetime = datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI)
    # 五「统一打包发送至电子邮箱（cqdsspzb@163.com）」 and 六「联系人：左老师；联系电话：13896068058」:
    # where submitters send corrections and whom they ask (receipts, the late-package finding).
    submission_mailbox: str = "cqdsspzb@163.com"
    contact_person: str = "左老师"
    contact_phone: str = "13896068058"
    # 四（一）3「使用人工智能生成合成内容的，须严格遵守《人工智能生成合成内容标识办法》等规定并予以明确标识」.
    # 办法 Art. 4(四): a prominent label on the opening frames (视频起始画面); GB 45438-2025 §5.4:
    # shown ≥2 s, text height ≥5 % of the short side, at an edge or corner.
    # A label counts as "on the opening frames" when it is first visible within this many seconds.
    aigc_opening_seconds: float = 3.0
    aigc_min_label_seconds: float = 2.0
    aigc_min_label_height_ratio: float = 0.05
    # Statuses when an opening label exists but misses a limit. Too brief: fail (the 2 s is the
    # standard's explicit video rule). Too small: warn (some readings apply the 5 % rule to images only).
    aigc_brief_label_status: str = "fail"
    aigc_small_label_status: str = "warn"
    # GB 45438 §5.4 (secondary reading, notes/ai-labels.md): the label sits at an edge or corner.
    # A label in the middle of the frame is still prominent, so a person decides: warn.
    aigc_centred_label_status: str = "warn"
    # Where OCR looks beyond the opening: one frame every this many seconds through the middle, and
    # the closing seconds (end labels are optional but are AI evidence).
    aigc_sample_interval_seconds: float = 20.0
    # At most this many middle samples (20 minutes at 20 s): a longer timeline is sampled more sparsely,
    # so that a file claiming days costs no more ffmpeg seeks than a long one.
    aigc_max_middle_samples: int = 60
    aigc_closing_seconds: float = 3.0
    # Spoken disclosures (Art. 4(二)): Whisper on the opening and closing seconds; the whole track
    # when it is shorter than twice this plus a margin.
    aigc_speech_window_seconds: float = 30.0
    # --- Intake (notice 五 and 附件1–3) ---
    # 附件1「作品创作团队情况（100字以内）」「作品简介（150字以内）」: counted in characters, whitespace excluded.
    max_team_chars: int = 100
    max_intro_chars: int = 150
    # 附件1「作品时长」 is typed by hand: a few seconds either way is rounding, not a wrong form.
    duration_tolerance_seconds: float = 3.0
    # 五「提取码有效期至少30天」; warn a week before a code runs out so that an operator downloads in time.
    netdisk_min_valid_days: int = 30
    netdisk_warn_days: int = 7
    # Archive safety (no sentence of the notice: protection against zip bombs). A 5-minute 1080P
    # original is a few GB at most and video barely compresses, so these leave room for a series.
    archive_max_total_bytes: int = 32 * 1024**3
    archive_max_files: int = 500
    archive_max_ratio: float = 100.0  # uncompressed/compressed, judged on members above the next size
    archive_ratio_min_bytes: int = 1024**2
    archive_max_depth: int = 2  # an archive inside an archive inside the package, no deeper
    # Document bounds (no sentence of the notice: protection against forged files). A 登记表 is one
    # page, a 文稿 of a 5-minute video a few pages, a 汇总表 one row per work: these leave room for every
    # real one and stop a 334 KB .docx of 3 million paragraphs (3.4 GB to read), a 1-million-row .xlsx
    # (112 s, every row kept) or one merged range A10:XFD1048576 (17 billion cells) before a library
    # reads them. Sizes are counted on the bytes as they are decompressed, not on what the zip declares.
    document_max_parts: int = 2_000  # files inside one .docx/.xlsx
    document_max_bytes: int = 256 * 1024**2  # all its parts, uncompressed (photos in a 文稿 included)
    document_max_xml_bytes: int = 16 * 1024**2  # its XML parts, uncompressed
    document_max_elements: int = 400_000  # XML elements in those parts
    document_max_paragraphs: int = 5_000
    document_max_text_chars: int = 200_000  # text kept from one document (a 5-minute 文稿: ~1,500)
    summary_max_rows: int = 1_000  # of one sheet of the 汇总表 (the last row with a cell)
    summary_max_columns: int = 50  # the template has six
    summary_max_merged_ranges: int = 1_000  # each must also lie within rows × columns above

    # --- Subtitles: 四（二）「字幕应为中文简体字」 ---
    # Subtitles should follow the speech: less than this share of the speech time subtitled is a warning.
    subtitle_min_speech_coverage: float = 0.8
    # Less recognised speech than this (seconds) is not "speech" (a shout, a song's last bar).
    subtitle_min_speech_seconds: float = 3.0
    # Subtitles vs Whisper base (CER after t2s and normalisation). Whisper base's own CER on clean
    # Mandarin is 0.12–0.21 (../shared/notes), so only a much larger value means disagreement.
    subtitle_max_speech_cer: float = 0.5
    # Share of subtitle characters that do not follow the 文稿 (1 − LCS/length); OCR's own CER ≈ 0.
    subtitle_max_script_mismatch: float = 0.3
    # A track whose content characters are less than this share Chinese ideographs is "not Chinese".
    subtitle_min_han_ratio: float = 0.5

    def category_named(self, text: str) -> str | None:
        """The category `text` is (「微纪录片」「微纪录片类」「ｖｌｏｇ」), or None when it is none of them."""
        wanted = _category_key(text).removesuffix("类")
        return next((c for c in self.categories if _category_key(c) == wanted), None)

    def category_mentioned(self, *texts: str) -> str | None:
        """The one category named somewhere in `texts` (a title, a synopsis), None for none or several."""
        joined = _category_key(" ".join(t for t in texts if t))
        found = [c for c in self.categories if _category_key(c) in joined]
        return found[0] if len(found) == 1 else None


def _category_key(text: str) -> str:
    """How a category is matched: full-width or half-width, any case, spaces around ignored."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


DEFAULT_RULES = ContestRules()
