"""Running the worker image in the tests: one container per call, always removed (also on a timeout
or a failed assertion), named so that a leftover is recognisable."""

from __future__ import annotations

import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "docker" / "containers.conf"
PREFIX = "guangying-test-"


@dataclass(frozen=True)
class Engine:
    name: str  # podman or docker

    @property
    def env(self) -> dict[str, str]:
        """podman reads the project's settings (runc, ulimits) from CONTAINERS_CONF."""
        if self.name == "podman" and "CONTAINERS_CONF" not in os.environ:
            return {"CONTAINERS_CONF": str(CONTAINERS_CONF)}
        return {}

    def command(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.name, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run(
        self,
        image: str,
        *args: str,
        mounts: tuple[Path | tuple[Path, str], ...] = (),
        env: dict[str, str] | None = None,
        entrypoint: str | None = None,
        timeout: float = 900,
    ) -> subprocess.CompletedProcess[str]:
        """`run --rm IMAGE ARGS`; a mount is a host folder seen at the same path inside (so that paths
        in the outputs compare), or (folder, path inside)."""
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        cmd = ["run", "--rm", "--name", name]
        for mount in mounts:
            host, inside = mount if isinstance(mount, tuple) else (mount, str(mount))
            cmd += ["-v", f"{host}:{inside}"]
        for key, value in (env or {}).items():
            cmd += ["-e", f"{key}={value}"]
        if entrypoint is not None:
            cmd += ["--entrypoint", entrypoint]
        try:
            return self.command(*cmd, image, *args, timeout=timeout)
        finally:
            self.command("rm", "-f", name, timeout=120)  # gone already after --rm: its error is ignored
