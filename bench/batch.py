"""A batch shared by workers: wall time of `screen-batch` over 8 short works on ONE process worker and
on TWO workers taking from the same batch, in the same run (the ratio is the figure; both on this
machine, so on 2 cores two workers compete for the same CPUs).

Usage: python bench/batch.py [--works 8] [--seconds 3] [--limit 2] [--ui-screenshot docs/prefect-ui-deployments.png]
Each configuration gets a fresh Prefect server (loopback, own PREFECT_HOME), the deployments applied,
its own data directory (SQLite catalogue + local store), the works taken in with `guangying ingest
--no-screen`; the clock runs from triggering screen-batch (as the UI does) to its final state.
With --ui-screenshot the first server runs with its UI and the deployments page is photographed in
headless Chromium (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GUANGYING_CACHE_DIR", str(ROOT / ".cache" / "test"))  # the assembled Whisper model
os.environ.setdefault("GUANGYING_CLOCK", "2026-12-04T12:00:00+08:00")

from samples.cluster import Cluster, prefect_cluster  # noqa: E402
from samples.packages import clip, folder_package, good_form, package_files  # noqa: E402

SETTLED = 1_790_000_000


def make_packages(folder: Path, works: int, seconds: float) -> list[Path]:
    paths = []
    for index in range(works):
        title = f"红岩家书之{index + 1}"
        prefix = f"张明（江北区融媒体中心）+{title}"
        video = clip(folder / "media", f"w{index}.mp4", seconds=seconds + 0.05 * index)
        files = package_files(folder / "src" / str(index), video, form=good_form(title=title), prefix=prefix)
        package = folder_package(folder / "packages" / prefix, files)
        for path in [package, *package.iterdir()]:
            os.utime(path, (SETTLED, SETTLED))
        paths.append(package)
    return paths


async def _trigger_and_wait(parameters: dict, timeout: float) -> tuple[float, str]:  # type: ignore[type-arg]
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deployment = await client.read_deployment_by_name("screen-batch/screen-batch")
        started = time.monotonic()
        run = await client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        while True:
            run = await client.read_flow_run(run.id)
            if run.state is not None and run.state.is_final():
                return time.monotonic() - started, run.state.type.value
            if time.monotonic() - started > timeout:
                return time.monotonic() - started, "TIMEOUT"
            await asyncio.sleep(0.5)


def screenshot(cluster: Cluster, out: Path) -> None:
    """The deployments page at `out`, and the screen-batch deployment's custom-run form beside it
    (`…-run-form.png`), where the parameters' Chinese titles show."""
    from playwright.sync_api import sync_playwright
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name("screen-batch/screen-batch").id
    base = cluster.api_url.removesuffix("/api")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(f"{base}/deployments", wait_until="networkidle")
            page.get_by_text("screen-batch").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            page.goto(f"{base}/deployments/deployment/{deployment_id}/run", wait_until="networkidle")
            page.get_by_text("运行参数").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            form = out.with_name(out.stem + "-run-form.png")
            page.screenshot(path=str(form), full_page=True)
        finally:
            browser.close()
    print(f"screenshots of the Prefect UI: {out}, {form}")


def screenshots_only(folder: Path, out: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with prefect_cluster(folder / "cluster", folder / "var", None, pool="bench", ui=True) as cluster:
        settings = temporary_settings({PREFECT_API_URL: cluster.api_url})
        with settings:
            screenshot(cluster, out)


def one_configuration(folder: Path, packages: list[Path], workers: int, args: argparse.Namespace) -> float:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    data_dir = folder / "var"
    ui = bool(args.ui_screenshot) and workers == 1
    with prefect_cluster(folder / "cluster", data_dir, None, pool="bench", ui=ui) as cluster:
        subprocess.run(
            [str(Path(sys.executable).parent / "guangying"), "ingest", "--no-screen", *map(str, packages)],
            env=cluster.env, check=False, capture_output=True, timeout=600,
        )  # fmt: skip
        for index in range(workers):
            cluster.start_worker(f"w{index + 1}", limit=args.limit)
        time.sleep(3)  # the workers' first poll
        parameters = {"parameters": {"max_parallel": args.limit * workers, "poll_seconds": 0.5}}
        with temporary_settings({PREFECT_API_URL: cluster.api_url}):
            wall, state = asyncio.run(_trigger_and_wait(parameters, timeout=1800))
            if ui:
                screenshot(cluster, ROOT / args.ui_screenshot)
    print(f"{workers} worker(s) × limit {args.limit}: {len(packages)} works in {wall:.1f} s ({state})")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--works", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--limit", type=int, default=2, help="flow runs at once per worker")
    parser.add_argument(
        "--ui-screenshot", metavar="PNG", help="also photograph the Prefect UI's deployments page"
    )
    parser.add_argument("--screenshots-only", action="store_true", help="only the UI screenshots, no batch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guangying-bench-batch-") as tmp:
        folder = Path(tmp)
        if args.screenshots_only:
            screenshots_only(folder, ROOT / (args.ui_screenshot or "docs/prefect-ui-deployments.png"))
            return
        packages = make_packages(folder, args.works, args.seconds)
        one = one_configuration(folder / "one", packages, 1, args)
        two = one_configuration(folder / "two", packages, 2, args)
    print(f"cores: {os.cpu_count()}")
    print(f"one worker:  {one:.1f} s  (1.00)")
    print(f"two workers: {two:.1f} s  ({two / one:.2f} of one worker's time; speed-up ×{one / two:.2f})")


if __name__ == "__main__":
    main()
