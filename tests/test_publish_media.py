"""Renditions and posters made with real ffmpeg: codecs, index first, size and orientation,
loudness, the AIGC label carried over (办法 第十条), a poster that is neither black nor a card."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import cv2
import pytest

from samples.clips import ClipSpec, remux, render_clip, stream_hashes
from tasks.aigc.boxes import top_level_boxes
from tasks.aigc.metadata import read_metadata
from tasks.media.probe import probe
from tasks.publish.poster import PosterError, extract_frame, make_poster
from tasks.publish.renditions import RenditionProfile, make_renditions
from tasks.publish.viewing import fetch_viewing_copy, viewing_key, viewing_profile
from tasks.store import LocalStore

AIGC = json.dumps(
    {"AIGC": {"Label": "1", "ContentProducer": "001191110102MAD55U9H0F10002", "ProduceID": "clip-42"}},
    separators=(",", ":"),
)


@pytest.fixture(scope="module")
def renditions(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A 2 s phone-style 1080p original: coded 1920×1080 with a 90° rotation (displayed upright,
    portrait), an implicit AI label, a GPS position, a sine tone at about -22 LUFS."""
    folder = tmp_path_factory.mktemp("renditions")
    plain = render_clip(folder / "plain.mp4", ClipSpec(seconds=2.0))
    original = remux(
        plain,
        folder / "phone.mp4",
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        f"AIGC={AIGC}",
        "-metadata",
        "location=+29.5630+106.5516/",
        "-metadata:s:v:0",
        "rotate=90",
    )
    return original, make_renditions(original, folder / "out", RenditionProfile(preset="veryfast"))


def _streams(path: Path) -> dict[str, dict]:
    data = probe(path).raw
    return {s["codec_type"]: s for s in data["streams"]}


def test_renditions_are_h264_high_aac_with_the_index_first(renditions) -> None:  # type: ignore[no-untyped-def]
    _, result = renditions
    assert [f.name for f in result.files] == ["1080p", "720p"]
    for file in result.files:
        streams = _streams(file.path)
        assert (streams["video"]["codec_name"], streams["video"]["profile"]) == ("h264", "High")
        assert streams["video"]["pix_fmt"] == "yuv420p"
        assert (streams["audio"]["codec_name"], streams["audio"]["sample_rate"]) == ("aac", "48000")
        with file.path.open("rb") as handle:
            boxes, problem = top_level_boxes(handle)
        order = [b.type for b in boxes]
        assert problem is None and order.index("moov") < order.index("mdat"), order
        assert file.codecs.startswith("avc1.64") and file.codecs.endswith("mp4a.40.2")
        assert len(file.sha256) == 64 and file.size == file.path.stat().st_size


def test_portrait_stays_portrait_with_rotation_applied(renditions) -> None:  # type: ignore[no-untyped-def]
    original, result = renditions
    source = probe(original).video
    assert source is not None and (source.width, source.height, source.rotation) == (1920, 1080, 90)
    sizes = {}
    for file in result.files:
        video = probe(file.path).video
        assert video is not None and video.rotation == 0 and video.sample_aspect_ratio == "1:1"
        sizes[file.name] = (video.width, video.height)
    assert sizes == {"1080p": (1080, 1920), "720p": (720, 1280)}


def test_loudness_is_normalised_to_minus_16_lufs(renditions) -> None:  # type: ignore[no-untyped-def]
    _, result = renditions
    assert result.loudness is not None and result.loudness["input_i"] < -19  # it was quieter
    for file in result.files:
        log = subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-nostats",
                "-i",
                str(file.path),
                "-map",
                "0:a",
                "-af",
                "ebur128",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        integrated = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", log)[-1])
        assert abs(integrated - -16.0) <= 1.0, integrated


def test_the_implicit_ai_label_survives_and_nothing_personal_does(renditions) -> None:  # type: ignore[no-untyped-def]
    _, result = renditions
    assert result.tags == {"AIGC": AIGC}
    for file in result.files:
        media = probe(file.path)
        assert media.tags.get("AIGC") == AIGC
        labels = read_metadata(media).labels
        assert [(lab.label, lab.values.get("ContentProducer")) for lab in labels] == [
            ("1", "001191110102MAD55U9H0F10002")
        ]
        assert not any("location" in k.lower() for k in media.tags)


def test_poster_is_not_black_nor_a_title_card(tmp_path: Path) -> None:
    """1.5 s black, 1 s of a red title card, then the picture: the poster comes from the picture."""
    clip = tmp_path / "opening.mp4"
    graph = (
        "color=c=black:s=640x360:r=25:d=1.5[a];"
        "color=c=0x8B1A1A:s=640x360:r=25:d=1,drawbox=x=120:y=160:w=400:h=40:color=white:t=fill[b];"
        "testsrc2=s=640x360:r=25:d=1.5[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]"
    )
    encode = ["-c:v", "libx264", "-preset", "ultrafast", str(clip)]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]", *encode],
        check=True,
    )
    poster = make_poster(clip, clip, 4.0, tmp_path / "poster.jpg")
    assert poster.t >= 2.5, poster
    image = cv2.imread(str(poster.path))
    assert image is not None and image.shape[:2] == (360, 640)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert gray.mean() > 40 and gray.std() > 20  # not black, not a flat card
    # A visible AI label over the picture's first half second: the poster comes after it.
    later = make_poster(clip, clip, 4.0, tmp_path / "poster2.jpg", avoid=[(2.5, 3.0)])
    assert later.t > 3.0 + 0.5, later


def test_a_frame_that_cannot_be_cut_is_a_chinese_error(tmp_path: Path) -> None:
    text = tmp_path / "not-video.mp4"
    text.write_text("plain text", encoding="utf-8")
    with pytest.raises(PosterError, match=r"^not-video\.mp4：无法截取第1\.0秒的画面（.*Invalid data"):
        extract_frame(text, 1.0, tmp_path / "poster.jpg")


def test_publication_remuxes_the_viewing_copy_instead_of_encoding_its_720p_again(
    renditions, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    original, _ = renditions
    profile = RenditionProfile(preset="veryfast")
    viewing = make_renditions(original, tmp_path / "viewing", viewing_profile(profile), carry_labels=False)
    [copy] = viewing.files
    assert copy.name == "720p" and probe(copy.path).tags.get("AIGC") is None  # blind
    published = make_renditions(original, tmp_path / "published", profile, encoded=[copy.path])
    assert published.extra["reused"] == ["720p"]
    files = {f.name: f for f in published.files}
    assert stream_hashes(files["720p"].path) == stream_hashes(copy.path)
    # The published file carries the label the viewing copy leaves out, with the index first.
    assert probe(files["720p"].path).tags.get("AIGC") == AIGC
    with files["720p"].path.open("rb") as handle:
        boxes, _ = top_level_boxes(handle)
    assert [b.type for b in boxes].index("moov") < [b.type for b in boxes].index("mdat")
    # The 1080p was encoded, from the original.
    assert (files["1080p"].width, files["1080p"].height) == (1080, 1920)
    assert stream_hashes(files["1080p"].path) != stream_hashes(copy.path)


def test_an_encoded_file_of_another_size_is_not_reused(renditions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    original, result = renditions
    larger = next(f for f in result.files if f.name == "1080p")
    made = make_renditions(
        original,
        tmp_path / "viewing",
        viewing_profile(RenditionProfile(preset="veryfast")),
        encoded=[larger.path],
    )
    assert made.extra["reused"] == []
    assert [(f.name, f.width, f.height) for f in made.files] == [("720p", 720, 1280)]


def test_the_viewing_copy_is_found_only_for_the_same_encoder_settings(renditions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, result = renditions
    store = LocalStore(tmp_path / "store")
    profile = RenditionProfile(preset="veryfast")
    copy = next(f for f in result.files if f.name == "720p")
    store.put_file("evidence", viewing_key("ab" * 32, viewing_profile(profile)), copy.path)
    [fetched] = fetch_viewing_copy(store, "evidence", "ab" * 32, profile, tmp_path / "scratch")
    assert fetched.read_bytes() == copy.path.read_bytes()
    assert (
        fetch_viewing_copy(store, "evidence", "ab" * 32, RenditionProfile(preset="medium"), tmp_path / "x")
        == []
    )
    assert fetch_viewing_copy(store, "evidence", "cd" * 32, profile, tmp_path / "y") == []
