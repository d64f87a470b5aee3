"""The published bucket on the local folder and on S3 (SeaweedFS): manifests and page written only
when their bytes change, published files taken down on withdrawal."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from tasks.publish.manifest import PLATFORMS, SCHEMA_KEY, schema_errors
from tasks.publish.showcase import PAGE_KEY
from tasks.publish.steps import remove_keys, write_site
from tasks.store import ObjectStore
from tests.test_publish_rules import _episode

WHEN = datetime.fromisoformat("2026-12-04T12:00:00+08:00")
PREFIX = "works/0123456789abcdef/00ff00ff00ff00ff"


def _entry(title: str) -> dict:
    return {
        "id": "0123456789abcdef",
        "number": None,
        "tier": None,
        "title": title,
        "unit": "重庆市档案馆",
        "authors": ["王五"],
        "category": "微党课",
        "duration": 3.0,
        "synopsis": "",
        "poster": _episode(1, PREFIX)["poster"],
        "episodes": [_episode(1, PREFIX)],
        "ai_label": {"state": None, "notice": None, "basis": []},
    }


def test_site_is_rewritten_only_when_it_changes_and_files_come_down(
    store: ObjectStore, tmp_path: Path
) -> None:
    bucket = f"published-{tmp_path.name[-8:].lower().replace('_', '-')}"
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n山城\n"
    store.put_bytes(bucket, f"{PREFIX}/zh-CN.vtt", vtt.encode())
    everything = {p.key for p in PLATFORMS} | {SCHEMA_KEY, PAGE_KEY}

    assert set(write_site(store, bucket, [_entry("山城记忆")], updated_at=WHEN)) == everything
    assert write_site(store, bucket, [_entry("山城记忆")], updated_at=WHEN) == []
    changed = write_site(store, bucket, [_entry("山城记忆（修订）")], updated_at=WHEN)
    assert set(changed) == {p.key for p in PLATFORMS} | {PAGE_KEY}
    data = json.loads(store.get_bytes(bucket, PLATFORMS[0].key))
    assert schema_errors(data) == [] and data["works"][0]["title"] == "山城记忆（修订）"
    page = store.get_bytes(bucket, PAGE_KEY).decode("utf-8")
    assert "《山城记忆（修订）》" in page and "山城" in page and "人工智能" not in page.split("<footer>")[0]

    assert remove_keys(store, bucket, [f"{PREFIX}/zh-CN.vtt", f"{PREFIX}/missing.mp4"]) == [
        f"{PREFIX}/zh-CN.vtt"
    ]
    assert not store.exists(bucket, f"{PREFIX}/zh-CN.vtt")
    assert set(write_site(store, bucket, [], updated_at=WHEN)) == {p.key for p in PLATFORMS} | {PAGE_KEY}
    assert "暂无展播作品" in store.get_bytes(bucket, PAGE_KEY).decode("utf-8")


class _NoDelete:
    """The store, except that deleting a key is an error: replacing may not go through a delete."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def delete(self, bucket: str, key: str) -> bool:
        raise AssertionError(f"delete-then-put of {key}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_page_and_manifests_are_replaced_in_one_put_never_missing(store: ObjectStore, tmp_path: Path) -> None:
    bucket = f"published-{tmp_path.name[-8:].lower().replace('_', '-')}"
    store.put_bytes(bucket, f"{PREFIX}/zh-CN.vtt", b"WEBVTT\n")
    guarded = cast(ObjectStore, _NoDelete(store))
    write_site(guarded, bucket, [_entry("版本0")], updated_at=WHEN)
    misses: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            for key in (PAGE_KEY, PLATFORMS[0].key):
                try:
                    if not store.get_bytes(bucket, key):
                        misses.append(f"{key}: empty")
                except Exception as exc:  # a missing key: the window delete-then-put had
                    misses.append(f"{key}: {type(exc).__name__}")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for version in range(1, 8):
            assert PAGE_KEY in write_site(guarded, bucket, [_entry(f"版本{version}")], updated_at=WHEN)
    finally:
        done.set()
        thread.join(timeout=30)
    assert misses == []
    assert "版本7" in store.get_bytes(bucket, PAGE_KEY).decode("utf-8")
    assert json.loads(store.get_bytes(bucket, PLATFORMS[0].key))["works"][0]["title"] == "版本7"
