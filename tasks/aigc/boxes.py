"""A small streaming reader of ISO-BMFF (MP4/MOV) boxes: headers by seeking, payloads only when small.

Only what AI-label detection needs: the top-level `uuid` boxes (XMP, C2PA) and `moov/udta/meta`
(`keys` + `ilst`, the QuickTime mdta metadata ffmpeg writes with `-movflags use_metadata_tags`).
`mdat` is never read. Every size is checked against its parent, so a truncated or forged file gives
a `BoxError`, never a huge read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tasks import sniff

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
C2PA_UUID = bytes.fromhex("D8FEC3D61B0E483C92975828877EC481")

# Payloads read into memory are capped: metadata is small, a larger "metadata" box is suspect.
MAX_PAYLOAD = 16 * 1024 * 1024


class BoxError(Exception):
    """The box structure is broken (truncated file, impossible size)."""


@dataclass(frozen=True, slots=True)
class Box:
    type: str  # four characters, latin-1
    offset: int  # of the header
    header_size: int
    size: int  # whole box, header included
    uuid: bytes | None = None  # extended type of a `uuid` box

    @property
    def payload_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def payload_size(self) -> int:
        return self.size - self.header_size


def _read_exact(handle: BinaryIO, n: int) -> bytes:
    data = handle.read(n)
    if len(data) != n:
        raise BoxError(f"unexpected end of file ({len(data)} of {n} bytes)")
    return data


def iter_boxes(handle: BinaryIO, start: int, end: int) -> Iterator[Box]:
    """Boxes between byte offsets `start` and `end` (a parent's payload, or the whole file)."""
    pos = start
    while pos + 8 <= end:
        handle.seek(pos)
        size, kind = struct.unpack(">I4s", _read_exact(handle, 8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", _read_exact(handle, 8))
            header = 16
        elif size == 0:  # to the end of the parent (or file)
            size = end - pos
        uuid = None
        if kind == b"uuid":
            uuid = _read_exact(handle, 16)
            header += 16
        if size < header or pos + size > end:
            raise BoxError(f"box {kind!r} at {pos} has size {size}, outside its parent (ends at {end})")
        yield Box(kind.decode("latin-1"), pos, header, size, uuid)
        pos += size
    if pos != end and end - pos >= 1:
        # Trailing bytes shorter than a header: padding in some writers, not worth a failure.
        return


def read_payload(handle: BinaryIO, box: Box, limit: int = MAX_PAYLOAD) -> bytes:
    if box.payload_size > limit:
        raise BoxError(f"box {box.type} payload of {box.payload_size} bytes exceeds {limit}")
    handle.seek(box.payload_offset)
    return _read_exact(handle, box.payload_size)


def file_size(handle: BinaryIO) -> int:
    handle.seek(0, 2)
    return handle.tell()


def looks_like_bmff(handle: BinaryIO) -> bool:
    """The first box is one an MP4/MOV starts with (MPEG-PS/TS start otherwise)."""
    handle.seek(0)
    return sniff.looks_like_bmff(handle.read(8))


def mdta_items(handle: BinaryIO, meta: Box) -> list[tuple[str, bytes]]:
    """(key, raw value) pairs of a `meta` box holding `keys` + `ilst` (QuickTime metadata)."""
    start = meta.payload_offset
    handle.seek(start)
    peek = handle.read(8)
    # ISO `meta` is a full box (4 bytes version/flags); QuickTime's is not: its first child follows.
    if len(peek) == 8 and peek[4:8] not in (b"hdlr", b"keys", b"ilst"):
        start += 4
    keys: list[str] = []
    values: list[tuple[int, bytes]] = []
    for child in iter_boxes(handle, start, meta.offset + meta.size):
        if child.type == "keys":
            data = read_payload(handle, child)
            (count,) = struct.unpack(">I", data[4:8])
            pos = 8
            for _ in range(count):
                if pos + 8 > len(data):
                    raise BoxError("keys box ends inside an entry")
                key_size = struct.unpack(">I", data[pos : pos + 4])[0]
                if key_size < 8 or pos + key_size > len(data):
                    raise BoxError(f"keys entry of size {key_size} is impossible")
                keys.append(data[pos + 8 : pos + key_size].decode("utf-8", "replace"))
                pos += key_size
        elif child.type == "ilst":
            for item in iter_boxes(handle, child.payload_offset, child.offset + child.size):
                index = int.from_bytes(item.type.encode("latin-1"), "big")
                for data_box in iter_boxes(handle, item.payload_offset, item.offset + item.size):
                    if data_box.type == "data":
                        payload = read_payload(handle, data_box)
                        values.append((index, payload[8:]))  # type indicator + locale first
    items = []
    for index, raw in values:
        # mdta items are named by their 1-based index into `keys`; classic ©xxx atoms are not.
        name = keys[index - 1] if 1 <= index <= len(keys) else index.to_bytes(4, "big").decode("latin-1")
        items.append((name, raw))
    return items


def top_level_boxes(handle: BinaryIO) -> tuple[list[Box], str | None]:
    """The file's top-level boxes up to the first broken one, and what broke (None: all fine)."""
    boxes: list[Box] = []
    try:
        for box in iter_boxes(handle, 0, file_size(handle)):
            boxes.append(box)
    except BoxError as exc:
        return boxes, str(exc)
    return boxes, None


def find_meta_boxes(handle: BinaryIO, moov: Box) -> list[tuple[str, Box]]:
    """`meta` boxes under moov (moov/meta, moov/udta/meta, trak/udta/meta, trak/meta) with their path."""
    found: list[tuple[str, Box]] = []

    def walk(start: int, stop: int, path: str, depth: int) -> None:
        for box in iter_boxes(handle, start, stop):
            here = f"{path}/{box.type}"
            if box.type == "meta":
                found.append((here, box))
            elif box.type in ("udta", "trak") and depth < 3:
                walk(box.payload_offset, box.offset + box.size, here, depth + 1)

    walk(moov.payload_offset, moov.offset + moov.size, "moov", 1)
    return found
