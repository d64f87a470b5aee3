"""Per-platform manifests of the published works, checked against the JSON Schema shipped beside
this module (`manifest.schema.json`): what each platform needs to put a work online.

The four platforms of the notice (六「在华龙网、重庆机关党建、重庆档案、重庆党史等平台展播」) get the
same works; each manifest names its platform. Keys are relative to the published bucket, which is
also the folder of the showcase page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

import jsonschema

from tasks.publish.credits import personal_data_in

SCHEMA_ID = "guangying-publication/1"
CONTEST = "「红色光影 英雄重庆」党史短视频征集"
SCHEMA_KEY = "manifests/manifest.schema.json"
# Notice 二「主办单位」.
ORGANISERS = (
    "中共重庆市委直属机关工委",
    "中共重庆市委党史研究室",
    "重庆红岩革命历史文化中心",
    "重庆市档案馆",
    "重庆华龙网集团股份有限公司",
)


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str

    @property
    def key(self) -> str:
        return f"manifests/{self.id}.json"


PLATFORMS: tuple[Platform, ...] = (
    Platform("hualongwang", "华龙网"),
    Platform("cqjgdj", "重庆机关党建"),
    Platform("cqda", "重庆档案"),
    Platform("cqds", "重庆党史"),
)


def schema_text() -> str:
    return files("tasks.publish").joinpath("manifest.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_text())


def manifest(platform: Platform, works: Sequence[Mapping[str, Any]], updated_at: datetime) -> dict[str, Any]:
    """Pure: one platform's manifest of `works` (entries as `tasks.publish.work.work_entry` makes)."""
    return {
        "schema": SCHEMA_ID,
        "contest": CONTEST,
        "platform": {"id": platform.id, "name": platform.name},
        "updated_at": updated_at.isoformat(timespec="seconds"),
        "works": [dict(w) for w in works],
    }


def schema_errors(data: Mapping[str, Any]) -> list[str]:
    """Every way `data` breaks the schema, as "path: message" lines (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(根)'}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]


# Machine values (hex digests, object keys, timestamps) are not text a person wrote: a digest's digit
# runs could look like a phone number.
_TECHNICAL = frozenset({"sha256", "key", "id", "codecs", "mime", "updated_at", "schema"})


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for name, item in value.items():
            if name not in _TECHNICAL:
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def personal_data(data: Any, private: Iterable[str] = ()) -> list[str]:
    """Phone numbers, e-mail addresses, ID numbers, and any of the `private` values (contact
    persons, the numbers on the forms) found anywhere in `data`'s strings."""
    secrets = [p for p in (s.strip() for s in private) if p]
    found = []
    for text in _strings(data):
        found += personal_data_in(text)
        found += [p for p in secrets if p in text]
    return found


def render(data: Mapping[str, Any]) -> bytes:
    """Stable bytes: publishing the same works again writes nothing."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")
