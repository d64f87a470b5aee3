"""The publication service's site rules without ffmpeg or a store: the public set is the latest
list (a new entry, else the published one), what left it comes down with its files, and an
unchanged run keeps the manifests' time."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.publish.service import NEVER, Selection, change_lines, plan_site, stale_keys

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def _entry(title: str, version: int = 1) -> dict:
    return {"id": title, "title": title, "version": version}


def _selection(**previous: dict) -> Selection:
    return Selection(
        works=[],
        problems=[],
        public=["a", "b", "c"],
        tiers={"a": "特别优秀", "b": "优秀", "c": "优秀"},
        numbers={"a": "0001", "b": "0002", "c": "0003"},
        previous=previous,
        last_change=datetime(2026, 12, 1, 8, 0),  # naive, as SQLite gives it back
    )


def test_the_public_set_follows_the_list_and_what_left_it_comes_down() -> None:
    chosen = _selection(
        b={"entry": _entry("乙"), "keys": ["b/1.mp4", "b/old.jpg"], "withdrawn": False},
        c={"entry": _entry("丙"), "keys": ["c/1.mp4"], "withdrawn": True},
        d={"entry": _entry("丁"), "keys": ["d/1.mp4"], "withdrawn": False},
    )
    fresh = {"a": (_entry("甲"), ["a/1.mp4"]), "b": (_entry("乙", 2), ["b/1.mp4", "b/new.jpg"])}
    plan = plan_site(chosen, fresh, held=set(), now=NOW)
    assert list(plan.site) == ["a", "b"]  # c withdrawn, d off the list
    assert plan.site["a"][0] == {**_entry("甲"), "tier": "特别优秀", "number": "0001"}
    assert plan.taken_down == ["c", "d"] and plan.updated_at == NOW
    assert stale_keys(chosen, plan) == ["b/old.jpg", "c/1.mp4", "d/1.mp4"]
    lines, titles = change_lines(chosen, plan, fresh, ["a/1.mp4", "b/new.jpg"], held=set())
    assert lines == [
        "已发布《甲》（特别优秀）：1个文件，新上传1个",
        "已更新《乙》（优秀）：2个文件，新上传1个",
        "已撤下《丙》：已撤回",
        "已撤下《丁》：不在最新批准的名单中",
    ]
    assert titles == ["丙", "丁"]


def test_an_unchanged_run_keeps_the_last_change_and_a_held_work_comes_down() -> None:
    listed = {**_entry("乙"), "tier": "优秀", "number": "0002"}
    chosen = _selection(b={"entry": listed, "keys": ["b/1.mp4"], "withdrawn": False})
    plan = plan_site(chosen, {}, held=set(), now=NOW)
    assert list(plan.site) == ["b"] and plan.taken_down == []
    assert plan.updated_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # not now: nothing changed
    assert stale_keys(chosen, plan) == []

    held = plan_site(chosen, {}, held={"b"}, now=NOW)
    assert held.site == {} and held.taken_down == ["b"]
    assert change_lines(chosen, held, {}, [], held={"b"})[0] == ["已撤下《乙》：暂不发布"]
    never = Selection([], [], [], {}, {}, {}, None)
    assert plan_site(never, {}, set(), NOW).updated_at == NEVER
