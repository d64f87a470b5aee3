"""Local servers the tests and the benches start: a free loopback port, waiting for a server to listen,
stopping a process we started (by its pid, never by name), where an S3 server is."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Terminate a server we started; kill it when it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port, no scheme (the minio SDK's form)
    access_key: str
    secret_key: str
