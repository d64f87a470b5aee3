"""The object-store interface against both implementations: a local folder and a real S3 server."""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path

import pytest

from tasks.store import LocalStore, ObjectStore, original_key, store_original


def test_originals_are_content_addressed_and_never_overwritten(store: ObjectStore, tmp_path: Path) -> None:
    bucket = f"originals-{tmp_path.name[-8:].lower().replace('_', '-')}"
    video = tmp_path / "报送人（单位）+作品名称.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64)
    digest = hashlib.sha256(video.read_bytes()).hexdigest()

    first = store_original(store, bucket, video)
    assert (first.key, first.sha256, first.created) == (original_key(digest), digest, True)

    # Same bytes again (a re-sent package): nothing is written.
    again = store_original(store, bucket, video)
    assert again.created is False and again.key == first.key

    # Different bytes under an existing key are refused, the original stays.
    assert store.put_bytes(bucket, first.key, b"tampered") is False
    assert store.get_bytes(bucket, first.key) == video.read_bytes()
    assert list(store.list_keys(bucket, prefix="sha256/")) == [first.key]

    copy = store.get_file(bucket, first.key, tmp_path / "copy.bin")
    assert copy.read_bytes() == video.read_bytes()


def test_url_serves_the_object(store: ObjectStore, tmp_path: Path) -> None:
    bucket = f"evidence-{tmp_path.name[-8:].lower().replace('_', '-')}"
    assert store.put_bytes(bucket, "crops/frame-0001.png", b"png-bytes") is True
    assert store.exists(bucket, "crops/frame-0001.png")
    assert not store.exists(bucket, "crops/missing.png")
    with urllib.request.urlopen(store.url(bucket, "crops/frame-0001.png")) as response:
        assert response.read() == b"png-bytes"


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", ""])
def test_keys_cannot_leave_the_bucket(key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsafe object key"):
        LocalStore(tmp_path).put_bytes("bucket", key, b"x")


def test_local_originals_are_read_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    source = tmp_path / "a.mp4"
    source.write_bytes(b"video")
    stored = store_original(store, "originals", source)
    assert (tmp_path / "originals" / stored.key).stat().st_mode & 0o222 == 0


def test_capabilities_say_where_an_object_can_be_read_and_shared(store: ObjectStore, tmp_path: Path) -> None:
    """No caller asks which store it holds: `local_path` reads in place or says to fetch, `shareable`
    says whether a link reaches another machine."""
    bucket = f"evidence-{tmp_path.name[-8:].lower().replace('_', '-')}"
    store.put_bytes(bucket, "viewing/abc/720p.mp4", b"viewing-copy")
    path = store.local_path(bucket, "viewing/abc/720p.mp4")
    if isinstance(store, LocalStore):
        assert path is not None and path.read_bytes() == b"viewing-copy"
        assert store.shareable is False
        assert store.url(bucket, "viewing/abc/720p.mp4").startswith("file://")
        with pytest.raises(ValueError, match="unsafe object key"):
            store.local_path(bucket, "../escape")
    else:
        assert path is None
        assert store.shareable is True
        assert store.url(bucket, "viewing/abc/720p.mp4").startswith("http")
