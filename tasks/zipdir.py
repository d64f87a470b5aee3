"""A zip's central directory measured before it is read.

`zipfile.ZipFile(path)` builds one ZipInfo per entry of the central directory before anything can
be asked of it: a 47 MB zip of 1,000,000 empty members takes 46 s and 819 MB to open (5,000,000:
past 3 GB). The end-of-central-directory record says how many entries there are and how many bytes
the directory takes; both are checked first, so an archive (or an .xlsx/.docx, which is a zip) with
too many entries is refused in a few milliseconds.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_ENTRIES = 10_000  # a package holds a few files; an .xlsx/.docx a few dozen parts
# Bytes of directory allowed per entry: the 46-byte fixed record, a name and extra fields (a path
# of 100 Chinese characters is 300 bytes in UTF-8; timestamps and a Unicode-path extra add ~50).
# A directory that lies about its count can still hold no more than this allows.
BYTES_PER_ENTRY = 512


@dataclass(frozen=True, slots=True)
class ZipDirectory:
    entries: int  # as the end record declares them
    size: int  # bytes of the central directory


class ZipDirectoryTooLarge(Exception):
    """`str()` is the Chinese reason with the limit and the measured value."""

    def __init__(self, reason: str, directory: ZipDirectory, limit: int) -> None:
        super().__init__(reason)
        self.directory = directory
        self.limit = limit


def zip_directory(path: Path) -> ZipDirectory | None:
    """Entries and size of the central directory from the end record (zip64 included), or None
    when the file has no end record (then it is not a zip, and ZipFile will say so)."""
    with path.open("rb") as handle:
        end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # the record ZipFile reads first
    if not end:
        return None
    return ZipDirectory(int(end[zipfile._ECD_ENTRIES_TOTAL]), int(end[zipfile._ECD_SIZE]))  # type: ignore[attr-defined]


def check_zip_directory(path: Path, max_entries: int = MAX_ENTRIES) -> ZipDirectory | None:
    """`zip_directory`, or ZipDirectoryTooLarge when the directory declares more than `max_entries`
    entries or takes more bytes than that many entries need (a directory can lie about its count,
    not about the bytes ZipFile would read)."""
    directory = zip_directory(path)
    if directory is None:
        return None
    if directory.entries > max_entries:
        raise ZipDirectoryTooLarge(
            f"压缩文件目录列有{directory.entries:,}个条目，超过{max_entries:,}个的上限",
            directory,
            max_entries,
        )
    if directory.size > max_entries * BYTES_PER_ENTRY:
        raise ZipDirectoryTooLarge(
            f"压缩文件目录有{directory.size / 1024**2:.1f}MB，超过{max_entries:,}个条目所需的"
            f"{max_entries * BYTES_PER_ENTRY / 1024**2:.0f}MB上限",
            directory,
            max_entries,
        )
    return directory
