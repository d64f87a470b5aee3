"""One source's bad item never stops the others: it is said, skipped, and tried again next run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.intake import sources
from tasks.intake.sources import Unreadable, drop_folder_packages, inbox_batches
from tasks.store import LocalStore

LATER = datetime(2030, 1, 1, tzinfo=UTC)  # long after every file's time: all entries settled


def test_an_entry_the_file_system_refuses_is_skipped_and_the_folder_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("甲单位+作品一.zip", "乙单位+作品二.zip", "丙单位+作品三.zip"):
        (tmp_path / name).write_bytes(b"PK\x05\x06" + bytes(18))
    real = sources.newest_mtime

    def refusing(entry: Path) -> float:  # what a permission error or a vanished file raises
        if entry.name.startswith("乙"):
            raise PermissionError(13, "Permission denied")
        return real(entry)

    monkeypatch.setattr(sources, "newest_mtime", refusing)
    unreadable: list[Unreadable] = []
    packages = drop_folder_packages(tmp_path, now=LATER, unreadable=unreadable)
    assert [p.name for p in packages] == ["丙单位+作品三.zip", "甲单位+作品一.zip"]
    assert unreadable == [Unreadable("乙单位+作品二.zip", "Permission denied")]


class BrokenObjectStore(LocalStore):
    """The real local store, except one object whose download fails (a truncated upload)."""

    def get_file(self, bucket: str, key: str, destination: Path) -> Path:
        if key.endswith("坏.mp4"):
            raise OSError(5, "Input/output error")
        return super().get_file(bucket, key, destination)


def test_a_broken_object_in_the_inbox_bucket_leaves_the_other_groups(tmp_path: Path) -> None:
    store = BrokenObjectStore(tmp_path / "store")
    store.put_bytes("inbox", "甲单位+作品一/视频.mp4", b"video")
    store.put_bytes("inbox", "乙单位+作品二/坏.mp4", b"broken")
    store.put_bytes("inbox", "乙单位+作品二/文稿.txt", b"text")
    unreadable: list[Unreadable] = []
    batches = list(
        inbox_batches(
            store, "inbox", tmp_path / "work", seen=lambda _: False, ingested=LATER, unreadable=unreadable
        )
    )
    assert [b.group for b in batches] == ["甲单位+作品一"]
    assert [u.item for u in unreadable] == ["乙单位+作品二"] and "Input/output error" in unreadable[0].reason
