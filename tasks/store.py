"""Object storage: one small interface, a local folder (embedded default) and MinIO/S3 (production).

Originals are content-addressed (`sha256/<first two hex>/<sha256>`) and never overwritten: putting
the same bytes twice is a no-op, so re-ingesting a package changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from tasks.config import Settings


@dataclass(frozen=True, slots=True)
class StoredObject:
    bucket: str
    key: str
    sha256: str
    size: int
    created: bool  # False when the object was already there


class ObjectStore(Protocol):
    def exists(self, bucket: str, key: str) -> bool: ...
    def put_file(
        self, bucket: str, key: str, path: Path, content_type: str = "application/octet-stream"
    ) -> bool:
        """Store `path` under `key` unless the key exists; return True when written."""
        ...

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> bool: ...
    def replace_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Make `key` hold `data` in one step (a mutable published object: page, manifest): a
        reader sees the old bytes or the new ones, never a missing key. Never used for originals."""
        ...

    def get_file(self, bucket: str, key: str, destination: Path) -> Path: ...
    def get_bytes(self, bucket: str, key: str) -> bytes: ...
    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]: ...
    def delete(self, bucket: str, key: str) -> bool:
        """Remove `key` (published copies being withdrawn, never originals); True when it existed."""
        ...

    def url(self, bucket: str, key: str, expires: timedelta = timedelta(days=7)) -> str:
        """A link to the object: a presigned HTTP(S) URL valid for `expires` (S3), a file:// URI (local)."""
        ...

    # Capabilities, so no caller needs to know which store it holds.
    shareable: bool
    """True when `url` opens on another machine (an expert's), False for a local folder's file:// URIs."""

    def local_path(self, bucket: str, key: str) -> Path | None:
        """The object's own file on this machine, to read in place (never to write), or None when the
        store keeps it elsewhere (fetch it with `get_file`)."""
        ...


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def original_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256}"


def store_original(store: ObjectStore, bucket: str, path: Path) -> StoredObject:
    digest = sha256_of(path)
    key = original_key(digest)
    created = store.put_file(bucket, key, path)
    return StoredObject(bucket=bucket, key=key, sha256=digest, size=path.stat().st_size, created=created)


def _safe_key(key: str) -> PurePosixPath:
    """Reject keys that would leave the bucket folder (`..`, absolute paths)."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in ("..", ".", "") for p in parts):
        raise ValueError(f"unsafe object key: {key!r}")
    return PurePosixPath(*parts)


class LocalStore:
    """A folder per bucket under `root`; writes are atomic and stored files are made read-only."""

    shareable = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, bucket: str, key: str) -> Path:
        return self.root / bucket / _safe_key(key)

    def exists(self, bucket: str, key: str) -> bool:
        return self._path(bucket, key).is_file()

    def _write(self, bucket: str, key: str, source: BinaryIO, *, overwrite: bool = False) -> bool:
        target = self._path(bucket, key)
        if target.exists() and not overwrite:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, length=1 << 20)
            os.chmod(tmp, 0o444)
            if target.exists() and not overwrite:  # another worker stored the same content meanwhile
                os.unlink(tmp)
                return False
            os.replace(tmp, target)  # one rename: the old file until now, the new one after
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return True

    def put_file(
        self, bucket: str, key: str, path: Path, content_type: str = "application/octet-stream"
    ) -> bool:
        with path.open("rb") as source:
            return self._write(bucket, key, source)

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> bool:
        return self._write(bucket, key, io.BytesIO(data))

    def replace_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        self._write(bucket, key, io.BytesIO(data), overwrite=True)

    def get_file(self, bucket: str, key: str, destination: Path) -> Path:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(bucket, key), destination)
        return destination

    def get_bytes(self, bucket: str, key: str) -> bytes:
        return self._path(bucket, key).read_bytes()

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        base = self.root / bucket
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".incoming-"):
                key = path.relative_to(base).as_posix()
                if key.startswith(prefix):
                    yield key

    def delete(self, bucket: str, key: str) -> bool:
        path = self._path(bucket, key)
        if not path.is_file():
            return False
        path.unlink()
        return True

    def url(self, bucket: str, key: str, expires: timedelta = timedelta(days=7)) -> str:
        return self._path(bucket, key).resolve().as_uri()

    def local_path(self, bucket: str, key: str) -> Path | None:
        return self._path(bucket, key)


class MinioStore:
    """S3-compatible storage through the `minio` SDK (MinIO, SeaweedFS, …)."""

    shareable = True

    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        *,
        secure: bool = True,
        region: str | None = None,
    ) -> None:
        from minio import Minio

        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        self._buckets: set[str] = set()

    def _bucket(self, bucket: str) -> str:
        if bucket not in self._buckets:
            if not self.client.bucket_exists(bucket):
                self.client.make_bucket(bucket)
            self._buckets.add(bucket)
        return bucket

    def exists(self, bucket: str, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self._bucket(bucket), _safe_key(key).as_posix())
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    def put_file(
        self, bucket: str, key: str, path: Path, content_type: str = "application/octet-stream"
    ) -> bool:
        if self.exists(bucket, key):
            return False
        self.client.fput_object(
            self._bucket(bucket), _safe_key(key).as_posix(), str(path), content_type=content_type
        )
        return True

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> bool:
        if self.exists(bucket, key):
            return False
        self.replace_bytes(bucket, key, data, content_type)
        return True

    def replace_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        # An S3 PUT replaces an object atomically: a GET returns the old object or the new one.
        self.client.put_object(
            self._bucket(bucket),
            _safe_key(key).as_posix(),
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    def get_file(self, bucket: str, key: str, destination: Path) -> Path:
        self.client.fget_object(self._bucket(bucket), _safe_key(key).as_posix(), str(destination))
        return destination

    def get_bytes(self, bucket: str, key: str) -> bytes:
        response = self.client.get_object(self._bucket(bucket), _safe_key(key).as_posix())
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        for item in self.client.list_objects(self._bucket(bucket), prefix=prefix or None, recursive=True):
            if item.object_name:
                yield item.object_name

    def delete(self, bucket: str, key: str) -> bool:
        if not self.exists(bucket, key):
            return False
        self.client.remove_object(self._bucket(bucket), _safe_key(key).as_posix())
        return True

    def url(self, bucket: str, key: str, expires: timedelta = timedelta(days=7)) -> str:
        return self.client.presigned_get_object(
            self._bucket(bucket), _safe_key(key).as_posix(), expires=expires
        )

    def local_path(self, bucket: str, key: str) -> Path | None:
        return None


def open_store(settings: Settings) -> ObjectStore:
    """The MinIO store when an endpoint is configured, else the local folder under the data directory."""
    if settings.s3_endpoint:
        secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
        return MinioStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            secret,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    return LocalStore(settings.store_dir)
