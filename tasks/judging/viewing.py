"""The experts' viewing copies: one 720p H.264/AAC MP4 (+faststart) per original, made by the
publication renditions code (tasks/publish/renditions.py) with every metadata item and chapter
left out, kept in the evidence bucket under `viewing/<sha256>/<profile>.mp4` and reused by every
later packet (and by `--links`, which presigns that key, never the original's) and by publication
(tasks/publish/viewing.py: it remuxes the copy instead of encoding its 720p again)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tasks.media.probe import ProbeError
from tasks.publish.renditions import RenditionProfile, TranscodeError, make_renditions
from tasks.publish.viewing import viewing_key
from tasks.store import ObjectStore


class ViewingError(Exception):
    """No viewing copy could be made; the message is Chinese and names the work's file."""


def ensure_viewing_copy(
    store: ObjectStore,
    bucket: str,
    sha256: str,
    original: Callable[[], Path],
    scratch: Path,
    profile: RenditionProfile,
) -> tuple[str, bool]:
    """(key of the viewing copy in `bucket`, whether it was made now). `original` (which may fetch
    it from the store) is only called when the copy does not exist yet."""
    key = viewing_key(sha256, profile)
    if store.exists(bucket, key):
        return key, False
    folder = scratch / f"viewing-{sha256[:16]}"
    try:
        renditions = make_renditions(original(), folder, profile, carry_labels=False)
    except TranscodeError as exc:
        raise ViewingError(str(exc)) from exc
    except ProbeError as exc:  # a damaged original: the packet goes out without this video
        raise ViewingError(f"原视频无法读取（{exc.detail}）") from exc
    smallest = min(renditions.files, key=lambda f: min(f.width, f.height))
    store.put_file(bucket, key, smallest.path, content_type="video/mp4")
    return key, True


def place_copy(store: ObjectStore, bucket: str, key: str, target: Path) -> Path:
    """A copy of the viewing copy at `target` (the packet's own file: nothing links back to the store)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return store.get_file(bucket, key, target)
