"""The 720p rendition that the experts' viewing copies and publication share.

`guangying packets` keeps each original's viewing copy in the evidence bucket under
`viewing/<sha256>/<profile>.mp4`: the publication profile's 720p target alone, encoded by the
renditions code without any metadata item (blind). Publication of the same original with the same
encoder settings remuxes that file, adding the AI labels, instead of encoding its 720p again
(`make_renditions(encoded=…)`): the transcode is most of publication's CPU.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from tasks.publish.renditions import RenditionProfile
from tasks.store import ObjectStore

VIEWING_SHORT_SIDE = 720


def viewing_profile(base: RenditionProfile | None = None) -> RenditionProfile:
    """`base`'s (the publication profile's) 720p target alone, with its encoder settings."""
    base = base or RenditionProfile()
    targets = tuple(t for t in base.targets if t.short_side == VIEWING_SHORT_SIDE) or base.targets[-1:]
    return replace(base, targets=targets)


def viewing_key(sha256: str, profile: RenditionProfile) -> str:
    """Where the viewing copy of the original `sha256` made with `profile` lives."""
    data = json.dumps({**profile.to_json(), "labels": False}, sort_keys=True).encode()
    return f"viewing/{sha256}/{hashlib.sha256(data).hexdigest()[:16]}.mp4"


def fetch_viewing_copy(
    store: ObjectStore, bucket: str, sha256: str, profile: RenditionProfile, scratch: Path
) -> list[Path]:
    """The viewing copy of the original `sha256` that packets made with the 720p part of the
    publication `profile`, fetched into `scratch`; [] when none exists (no packets yet, or other
    encoder settings)."""
    key = viewing_key(sha256, viewing_profile(profile))
    if not store.exists(bucket, key):
        return []
    scratch.mkdir(parents=True, exist_ok=True)
    return [store.get_file(bucket, key, scratch / f"viewing-{sha256[:16]}.mp4")]
