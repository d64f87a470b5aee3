"""Expert-assignment speed: 2,000 works × 60 experts × k=3 (goal < 10 s), with a baseline in the same run.

Usage: python bench/assign.py [--works 2000] [--experts 60] [--k 3] [--seed 1]
Prints, for a random but realistic instance (200 units, every expert with one or two of the
five categories, caps that leave ~15 % slack):
  - baseline: building the conflict table alone (every work × expert pair checked once)
  - solve: the whole `assign()` (conflicts, graph, OR-Tools min-cost flow, result) — wall time;
    then peak traced Python memory of a second, traced solve, and the process's peak RSS
  - ratio solve / baseline
  - the solution's quality: matched slots, load range, a late-works re-run (kept assignments)
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.judging.assignment import assign  # noqa: E402
from tasks.judging.model import Expert, Work, conflict  # noqa: E402
from tasks.judging.units import normalise_unit, same_unit  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402


def instance(works: int, experts: int, k: int, seed: int) -> tuple[list[Work], list[Expert]]:
    rng = random.Random(seed)
    units = [f"重庆市第{i:03d}中学" for i in range(150)] + [f"重庆大学{i:02d}学院" for i in range(50)]
    cap = int(works * k / experts * 1.15) + 1
    roster = [
        Expert(
            f"专家{i:02d}",
            rng.choice(units),
            frozenset(rng.sample(DEFAULT_RULES.categories, rng.randint(1, 2))),
            cap,
        )
        for i in range(experts)
    ]
    items = [
        Work(f"{i:04d}", f"作品{i}", rng.choice(units), rng.choice(DEFAULT_RULES.categories), (f"报送人{i}",))
        for i in range(works)
    ]
    return items, roster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--works", type=int, default=2000)
    parser.add_argument("--experts", type=int, default=60)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    works, experts = instance(args.works, args.experts, args.k, args.seed)

    started = time.perf_counter()
    pairs = sum(1 for w in works for e in experts if not conflict(w, e))
    baseline = time.perf_counter() - started
    normalise_unit.cache_clear()
    same_unit.cache_clear()

    started = time.perf_counter()
    result = assign(works, experts, args.k)
    solve = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    normalise_unit.cache_clear()
    same_unit.cache_clear()
    tracemalloc.start()  # a second solve, traced (tracing slows it down, so it is not timed)
    again = assign(works, experts, args.k)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    same = again.experts == result.experts

    late = [
        Work(f"9{i:03d}", f"迟到{i}", "重庆市第001中学", DEFAULT_RULES.categories[i % 5]) for i in range(50)
    ]
    started = time.perf_counter()
    extended = assign([*works, *late], experts, args.k, existing=result.experts)
    rerun = time.perf_counter() - started
    kept = all(extended.experts[w.number] == result.experts[w.number] for w in works)

    loads = result.loads.values()
    print(
        f"instance: {args.works} works × {args.experts} experts × k={args.k}, cap {experts[0].cap}, {pairs} allowed pairs"
    )
    print(f"baseline (conflict table): {baseline:.2f} s")
    print(
        f"solve: {solve:.2f} s wall ({solve / baseline:.1f}× baseline); peak traced Python memory "
        f"{peak / 2**20:.0f} MiB, peak RSS of the process {rss:.0f} MiB; same answer on a re-run: {same}"
    )
    print(
        f"quality: {result.matched}/{args.works * args.k} slots matched by expertise, loads {min(loads)}–{max(loads)}"
    )
    print(f"late works (+{len(late)}): {rerun:.2f} s, earlier assignments kept: {kept}")
    print(f"goal < 10 s: {'met' if solve < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
