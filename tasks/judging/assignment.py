"""Assigning experts to works: a min-cost flow (OR-Tools), not a greedy loop.

Constraints: each work gets `per_work` distinct experts; never an expert of the work's own unit
(or a parent/sub-unit) nor one of its submitters; no expert above 最大评审数; optionally at least
`min_matched` experts whose 专长 is the work's category. Objective, lexicographically: as many
expertise-matched slots as possible, then loads as even as the caps allow (the j-th work of an
expert costs j, so the flow minimises the sum of squared loads).

Assignments made earlier are kept: a re-run, or a run after late works arrived, only fills the
slots still open, counting the loads already given. The same input gives the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tasks.findings import Check, Finding, Status
from tasks.judging.model import Expert, Work, conflict, matched
from tasks.judging.units import normalise_unit

DEFAULT_PER_WORK = 3
# works × experts pairs one assignment weighs (2,000 works × 500 experts): the conflict table and
# the flow graph grow with it; a 100,000-expert roster against 200 works passed 3 GB.
MAX_PAIRS = 1_000_000


class InfeasibleAssignment(Exception):
    """No assignment satisfies the constraints; `message` names the constraint and the numbers."""

    def __init__(self, message: str, evidence: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.evidence = evidence or {}


@dataclass(slots=True)
class AssignmentResult:
    experts: dict[str, tuple[str, ...]]  # work number → expert names, every work of the problem
    added: dict[str, tuple[str, ...]]  # the slots this run filled
    dropped: dict[str, tuple[str, ...]]  # earlier slots no longer valid (expert gone or now in conflict)
    matched: int  # expertise-matched slots over all works
    loads: dict[str, int]  # expert name → works assigned
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class _Problem:
    works: list[Work]
    experts: list[Expert]
    per_work: int
    min_matched: int
    kept: dict[str, list[str]]
    need: list[int]
    need_matched: list[int]
    remaining: list[int]
    allowed: list[list[int]]  # per work: expert indices free of conflict and not already assigned


def _prepare(
    works: Sequence[Work],
    experts: Sequence[Expert],
    per_work: int,
    existing: Mapping[str, Sequence[str]],
    min_matched: int,
) -> tuple[_Problem, dict[str, tuple[str, ...]]]:
    works = sorted(works, key=lambda w: w.number)
    experts = sorted(experts, key=lambda e: e.name)
    index = {e.name: i for i, e in enumerate(experts)}
    load0 = [0] * len(experts)
    kept: dict[str, list[str]] = {}
    dropped: dict[str, tuple[str, ...]] = {}
    need, need_matched, allowed = [], [], []
    for work in works:
        keep, drop = [], []
        for name in existing.get(work.number, ()):
            i = index.get(name)
            if i is None or conflict(work, experts[i]) or name in keep:
                drop.append(name)
            else:
                keep.append(name)
                load0[i] += 1
        kept[work.number] = keep
        if drop:
            dropped[work.number] = tuple(drop)
        need.append(max(0, per_work - len(keep)))
        have_matched = sum(matched(work, experts[index[n]]) for n in keep)
        need_matched.append(min(need[-1], max(0, min_matched - have_matched)))
        taken = {index[n] for n in keep}
        allowed.append([i for i, e in enumerate(experts) if i not in taken and not conflict(work, e)])
    remaining = [max(0, e.cap - load0[i]) for i, e in enumerate(experts)]
    problem = _Problem(works, experts, per_work, min_matched, kept, need, need_matched, remaining, allowed)
    return problem, dropped


def assign(
    works: Sequence[Work],
    experts: Sequence[Expert],
    per_work: int = DEFAULT_PER_WORK,
    existing: Mapping[str, Sequence[str]] | None = None,
    min_matched: int = 0,
) -> AssignmentResult:
    """Solve the assignment; raises `InfeasibleAssignment` with a Chinese explanation."""
    if per_work < 1:
        raise InfeasibleAssignment(f"每件作品的评审专家人数至少为1（设置的是{per_work}）")
    if len(works) * len(experts) > MAX_PAIRS:
        raise InfeasibleAssignment(
            f"{len(works):,}件作品×{len(experts):,}位专家共{len(works) * len(experts):,}种组合，"
            f"超过{MAX_PAIRS:,}的上限，未分配：请核对专家名单",
            {"works": len(works), "experts": len(experts), "limit": MAX_PAIRS},
        )
    problem, dropped = _prepare(works, experts, per_work, existing or {}, min(min_matched, per_work))
    works, experts = problem.works, problem.experts
    loads: dict[str, int] = defaultdict(int)
    for names in problem.kept.values():
        for name in names:
            loads[name] += 1
    added = _solve(problem, loads) if sum(problem.need) else {}
    for chosen in added.values():
        for name in chosen:
            loads[name] += 1

    assigned = {
        work.number: tuple(sorted([*problem.kept[work.number], *added.get(work.number, ())]))
        for work in works
    }
    by_name = {e.name: e for e in experts}
    total_matched = sum(matched(work, by_name[name]) for work in works for name in assigned[work.number])
    return AssignmentResult(
        experts=assigned,
        added=added,
        dropped=dropped,
        matched=total_matched,
        loads={e.name: loads.get(e.name, 0) for e in experts},
        findings=_findings(works, experts, dropped),
    )


def _solve(problem: _Problem, loads: Mapping[str, int]) -> dict[str, tuple[str, ...]]:
    """One min-cost flow: source → work (its open slots) → [hub: slots allowed off-expertise] →
    expert (1 per work) → sink through unit arcs costing the load they make (convex)."""
    from ortools.graph.python import min_cost_flow

    works, experts = problem.works, problem.experts
    total = sum(problem.need)
    n_works = len(works)
    source, sink, work_node, hub_node = 0, 1, 2, 2 + n_works
    expert_node = hub_node + n_works
    max_cap = max((e.cap for e in experts), default=1)
    big = total * (max_cap + 1) + 1  # one matched slot outweighs any difference in balance
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    edges: list[tuple[int, int, int]] = []  # (arc, work, expert)

    def arc(tail: int, head: int, cap: int, cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    for w, work in enumerate(works):
        if not problem.need[w]:
            continue
        arc(source, work_node + w, problem.need[w], 0)
        if problem.need_matched[w]:
            arc(work_node + w, hub_node + w, problem.need[w] - problem.need_matched[w], 0)
        for i in problem.allowed[w]:
            is_matched = matched(work, experts[i])
            start = hub_node + w if problem.need_matched[w] and not is_matched else work_node + w
            edges.append((arc(start, expert_node + i, 1, -big if is_matched else 0), w, i))
    for i, expert in enumerate(experts):
        for j in range(loads[expert.name] + 1, loads[expert.name] + problem.remaining[i] + 1):
            arc(expert_node + i, sink, 1, j)

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = np.zeros(expert_node + len(experts), dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        message, evidence = diagnose(problem)
        raise InfeasibleAssignment(message, evidence)
    used = flow.flows(np.array([e[0] for e in edges], dtype=np.int32))
    chosen: dict[int, list[str]] = defaultdict(list)
    for (_, w, i), amount in zip(edges, used, strict=True):
        if amount:
            chosen[w].append(experts[i].name)
    return {works[w].number: tuple(sorted(names)) for w, names in chosen.items()}


def _findings(works: list[Work], experts: list[Expert], dropped: dict[str, tuple[str, ...]]) -> list[Finding]:
    findings = []
    categories = {c for e in experts for c in e.categories}
    for work in works:
        if work.category is None:
            findings.append(
                _note(
                    work, f"编号{work.number}未登记作品类别，无法按专长分配（可用 guangying category 设置）"
                )
            )
        elif work.category not in categories:
            findings.append(_note(work, f"编号{work.number}（{work.category}）：名单中没有具备该专长的专家"))
        if work.number in dropped:
            names = "、".join(dropped[work.number])
            findings.append(
                _note(work, f"编号{work.number}原分配的专家{names}已不在名单中或存在利益冲突，已改派")
            )
    return findings


def _note(work: Work, message: str) -> Finding:
    return Finding(Check.ASSIGNMENT, Status.WARN, message, {"work": work.number}, stage="judging")


def _label(work: Work) -> str:
    return f"编号{work.number}" + (f"《{work.title}》" if work.title else "")


def diagnose(problem: _Problem) -> tuple[str, dict]:
    """Which constraint makes the problem infeasible, in one Chinese sentence with its numbers."""
    works, experts, need, remaining = problem.works, problem.experts, problem.need, problem.remaining
    seats, capacity = sum(need), sum(remaining)
    if seats > capacity:
        open_works = sum(1 for n in need if n)
        return (
            f"共需要{seats}个评审席位（{open_works}件作品，每件{problem.per_work}位专家），"
            f"专家名单的最大评审数合计只剩{capacity}",
            {"constraint": "capacity", "seats": seats, "capacity": capacity},
        )
    # Required expertise, by category.
    by_category: dict[str, list[int]] = defaultdict(list)
    for w, work in enumerate(works):
        if problem.need_matched[w] and work.category:
            by_category[work.category].append(w)
    for category, members in sorted(by_category.items()):
        wanted = sum(problem.need_matched[w] for w in members)
        reach: dict[int, int] = defaultdict(int)
        for w in members:
            for i in problem.allowed[w]:
                if category in experts[i].categories:
                    reach[i] += 1
        cap = sum(min(remaining[i], n) for i, n in reach.items())
        too_few = len(reach) < max(problem.need_matched[w] for w in members)
        if too_few or cap < wanted:
            extra = "" if too_few else f"，这些专家的剩余评审数合计只有{cap}"
            return (
                f"{category}类需要{wanted}个评审席位，具备该专长且无利益冲突的专家只有{len(reach)}人{extra}",
                {"constraint": "expertise", "category": category, "seats": wanted, "experts": len(reach)},
            )
    for w, work in enumerate(works):
        free = [i for i in problem.allowed[w] if remaining[i] > 0]
        if len(free) < need[w]:
            unit = f"与其单位（{work.unit}）" if work.unit else ""
            return (
                f"{_label(work)}需要{need[w]}位评审专家，{unit}无利益冲突且尚有评审余量的专家只有{len(free)}人",
                {"constraint": "conflict", "work": work.number, "needed": need[w], "experts": len(free)},
            )
    groups: dict[str, list[int]] = defaultdict(list)
    for w, work in enumerate(works):
        if need[w] and normalise_unit(work.unit):
            groups[normalise_unit(work.unit)].append(w)
    for members in groups.values():
        wanted = sum(need[w] for w in members)
        reach = defaultdict(int)
        for w in members:
            for i in problem.allowed[w]:
                reach[i] += 1
        cap = sum(min(remaining[i], n) for i, n in reach.items())
        if cap < wanted:
            unit = works[members[0]].unit
            return (
                f"单位“{unit}”的{len(members)}件作品需要{wanted}个评审席位，"
                f"与该单位无利益冲突的专家剩余评审数合计只有{cap}",
                {"constraint": "unit", "unit": unit, "seats": wanted, "capacity": cap},
            )
    return _min_cut(problem)


def _min_cut(problem: _Problem) -> tuple[str, dict]:
    """The general case: the works on the source side of a minimum cut need more seats than the
    experts they can reach have left."""
    from ortools.graph.python import max_flow

    works, experts = problem.works, problem.experts
    n_works = len(works)
    graph = max_flow.SimpleMaxFlow()
    source, sink, work_node, expert_node = 0, 1, 2, 2 + 2 * n_works
    for w in range(n_works):
        if not problem.need[w]:
            continue
        graph.add_arc_with_capacity(source, work_node + w, problem.need[w])
        loose = problem.need[w] - problem.need_matched[w]
        if problem.need_matched[w]:
            graph.add_arc_with_capacity(work_node + w, work_node + n_works + w, loose)
        for i in problem.allowed[w]:
            hub = problem.need_matched[w] and not matched(works[w], experts[i])
            graph.add_arc_with_capacity(work_node + n_works * bool(hub) + w, expert_node + i, 1)
    for i in range(len(experts)):
        graph.add_arc_with_capacity(expert_node + i, sink, problem.remaining[i])
    graph.solve(source, sink)
    side = set(graph.get_source_side_min_cut())
    members = [w for w in range(n_works) if work_node + w in side and problem.need[w]]
    wanted = sum(problem.need[w] for w in members)
    numbers = "、".join(works[w].number for w in members[:10]) + ("等" if len(members) > 10 else "")
    return (
        f"{len(members)}件作品（编号{numbers}）共需要{wanted}个评审席位，"
        f"能为它们评审的专家最多只能提供{graph.optimal_flow() - sum(problem.need) + wanted}个",
        {"constraint": "cut", "works": [works[w].number for w in members], "seats": wanted},
    )
