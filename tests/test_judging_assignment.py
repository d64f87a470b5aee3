"""Expert assignment: conflicts, caps, balance, optimality against brute force, infeasibility, stability."""

from __future__ import annotations

import itertools
import random

import pytest

from tasks.judging.assignment import InfeasibleAssignment, assign
from tasks.judging.model import Expert, Work, conflict, matched
from tasks.judging.units import normalise_unit, same_unit
from tasks.rules import DEFAULT_RULES


def test_units_written_differently_are_the_same_unit() -> None:
    assert same_unit("重庆大学", "重庆大学马克思主义学院")
    assert same_unit("重庆大学（马克思主义学院）", " 重庆大学 ")
    assert same_unit("重庆华龙网集团股份有限公司", "重庆华龙网集团")
    assert same_unit("中共重庆市委党史研究室", "重庆市委党史研究室")
    assert same_unit("ＡＢＣ科技有限公司", "abc科技")
    assert normalise_unit("【重庆 档案馆】") == "重庆档案馆"
    assert same_unit("重庆市档案馆", "重庆档案馆")
    assert not same_unit("重庆大学", "重庆师范大学")
    assert not same_unit("重庆", "重庆大学")  # too short to be anyone's parent
    assert not same_unit("", "重庆大学")


def test_person_conflict() -> None:
    work = Work("0001", unit="西南大学", people=("张三", "团队：李四、王五"))
    assert conflict(work, Expert("李四", "重庆大学"))
    assert not conflict(work, Expert("赵六", "重庆大学"))


def _instance(seed: int, works: int, experts: int, caps: tuple[int, int], units: int) -> tuple:
    rng = random.Random(seed)
    unit_names = [f"单位{i}" for i in range(units)]
    roster = [
        Expert(
            f"专家{i:02d}",
            rng.choice(unit_names),
            frozenset(rng.sample(DEFAULT_RULES.categories, rng.randint(0, 2))),
            rng.randint(*caps),
        )
        for i in range(experts)
    ]
    items = [
        Work(f"{i:04d}", unit=rng.choice(unit_names), category=rng.choice(DEFAULT_RULES.categories))
        for i in range(works)
    ]
    return items, roster


def _check_constraints(works: list[Work], experts: list[Expert], result, k: int) -> None:
    by_name = {e.name: e for e in experts}
    loads = dict.fromkeys(by_name, 0)
    for work in works:
        names = result.experts[work.number]
        assert len(names) == len(set(names)) == k
        for name in names:
            assert not conflict(work, by_name[name])
            loads[name] += 1
    assert loads == result.loads
    for name, load in loads.items():
        assert load <= by_name[name].cap


def _brute_force(works: list[Work], experts: list[Expert], k: int) -> tuple[int, int] | None:
    """(max matched slots, then min sum of squared loads) over every feasible assignment."""
    options = [
        [
            c
            for c in itertools.combinations(range(len(experts)), k)
            if not any(conflict(w, experts[i]) for i in c)
        ]
        for w in works
    ]
    best = None
    for choice in itertools.product(*options):
        loads = [0] * len(experts)
        for combo in choice:
            for i in combo:
                loads[i] += 1
        if any(load > e.cap for load, e in zip(loads, experts, strict=True)):
            continue
        score = sum(matched(w, experts[i]) for w, combo in zip(works, choice, strict=True) for i in combo)
        key = (score, -sum(x * x for x in loads))
        best = key if best is None or key > best else best
    return None if best is None else (best[0], -best[1])


@pytest.mark.parametrize("seed", range(12))
def test_solver_matches_brute_force_optimum(seed: int) -> None:
    works, experts = _instance(seed, works=4, experts=5, caps=(1, 4), units=4)
    optimum = _brute_force(works, experts, 2)
    if optimum is None:
        with pytest.raises(InfeasibleAssignment):
            assign(works, experts, per_work=2)
        return
    result = assign(works, experts, per_work=2)
    _check_constraints(works, experts, result, 2)
    assert result.matched == optimum[0]
    assert sum(v * v for v in result.loads.values()) == optimum[1]


def test_constraints_on_a_larger_random_instance() -> None:
    works, experts = _instance(7, works=300, experts=25, caps=(30, 60), units=12)
    result = assign(works, experts, per_work=3)
    _check_constraints(works, experts, result, 3)


def test_loads_within_one_when_caps_allow() -> None:
    experts = [
        Expert(f"专家{i:02d}", f"单位{i % 4}", frozenset(DEFAULT_RULES.categories), 50) for i in range(10)
    ]
    works = [
        Work(f"{i:04d}", unit=f"单位{i % 5}", category=DEFAULT_RULES.categories[i % 5]) for i in range(37)
    ]
    result = assign(works, experts, per_work=3)
    _check_constraints(works, experts, result, 3)
    assert max(result.loads.values()) - min(result.loads.values()) <= 1


def test_tight_caps_are_respected_and_the_rest_balanced() -> None:
    experts = [Expert("甲", "A", frozenset(), 1), *[Expert(f"乙{i}", "B", frozenset(), 20) for i in range(4)]]
    works = [Work(f"{i:04d}", unit="C") for i in range(10)]
    result = assign(works, experts, per_work=2)
    assert result.loads["甲"] == 1
    others = [result.loads[f"乙{i}"] for i in range(4)]
    assert max(others) - min(others) <= 1 and sum(others) == 19


def test_expertise_is_preferred() -> None:
    experts = [
        Expert("动漫专家", "A", frozenset({"微动漫"}), 5),
        Expert("纪录片专家", "B", frozenset({"微纪录片"}), 5),
        Expert("通才", "C", frozenset(), 5),
    ]
    works = [Work("0001", unit="X", category="微动漫"), Work("0002", unit="Y", category="微纪录片")]
    result = assign(works, experts, per_work=1)
    assert result.experts == {"0001": ("动漫专家",), "0002": ("纪录片专家",)}
    assert result.matched == 2


def test_infeasible_expertise_names_the_category_and_numbers() -> None:
    experts = [
        Expert("甲", "A", frozenset({"微动漫"}), 10),
        Expert("乙", "B", frozenset({"微动漫"}), 10),
        *[Expert(f"丙{i}", "C", frozenset({"微专题"}), 10) for i in range(5)],
    ]
    works = [Work(f"{i:04d}", unit="D", category="微动漫") for i in range(3)]
    with pytest.raises(InfeasibleAssignment) as raised:
        assign(works, experts, per_work=3, min_matched=3)
    assert raised.value.message == "微动漫类需要9个评审席位，具备该专长且无利益冲突的专家只有2人"
    assert assign(works, experts, per_work=3).matched == 6  # without the requirement: as many as possible


def test_infeasible_capacity_and_conflict_messages() -> None:
    experts = [Expert(f"专家{i}", f"单位{i}", frozenset(), 2) for i in range(3)]
    works = [Work(f"{i:04d}", unit="外单位") for i in range(3)]
    with pytest.raises(
        InfeasibleAssignment, match="共需要9个评审席位（3件作品，每件3位专家），专家名单的最大评审数合计只剩6"
    ):
        assign(works, experts, per_work=3)
    experts = [
        Expert("甲", "重庆大学马克思主义学院", frozenset(), 9),
        Expert("乙", "西南大学", frozenset(), 9),
    ]
    with pytest.raises(InfeasibleAssignment) as raised:
        assign([Work("0001", "红岩", unit="重庆大学")], experts, per_work=2)
    assert (
        raised.value.message
        == "编号0001《红岩》需要2位评审专家，与其单位（重庆大学）无利益冲突且尚有评审余量的专家只有1人"
    )


def test_infeasible_unit_group_message() -> None:
    experts = [
        Expert("甲", "A", frozenset(), 1),
        Expert("乙", "B", frozenset(), 1),
        Expert("丙", "C", frozenset(), 9),
    ]
    works = [Work("0001", unit="C"), Work("0002", unit="C"), Work("0003", unit="C")]
    with pytest.raises(InfeasibleAssignment) as raised:
        assign(works, experts, per_work=1)
    assert (
        raised.value.message == "单位“C”的3件作品需要3个评审席位，与该单位无利益冲突的专家剩余评审数合计只有2"
    )


def test_infeasible_general_case_names_the_works_of_the_cut() -> None:
    # Two works from different units, each conflicting with a different expert; the one expert both
    # could use has room for one: no single unit or work explains it, the minimum cut does.
    experts = [
        Expert("甲", "A", frozenset(), 1),
        Expert("乙", "B", frozenset(), 5),
        Expert("丙", "C", frozenset(), 5),
    ]
    works = [Work("0001", unit="B", people=("丙",)), Work("0002", unit="C", people=("乙",))]
    with pytest.raises(InfeasibleAssignment) as raised:
        assign(works, experts, per_work=1)
    assert (
        raised.value.message
        == "2件作品（编号0001、0002）共需要2个评审席位，能为它们评审的专家最多只能提供1个"
    )


def test_stable_on_rerun_and_with_late_works() -> None:
    works, experts = _instance(3, works=60, experts=12, caps=(20, 30), units=6)
    first = assign(works, experts, per_work=3)
    again = assign(list(reversed(works)), list(reversed(experts)), per_work=3)
    assert again.experts == first.experts  # same input in another order: same answer
    kept = assign(works, experts, per_work=3, existing=first.experts)
    assert kept.experts == first.experts and kept.added == {}
    late = [Work(f"9{i:03d}", unit="单位1", category="Vlog") for i in range(5)]
    extended = assign([*works, *late], experts, per_work=3, existing=first.experts)
    for work in works:
        assert extended.experts[work.number] == first.experts[work.number]
    assert set(extended.added) == {w.number for w in late}
    _check_constraints([*works, *late], experts, extended, 3)


def test_an_expert_leaving_the_roster_is_replaced_only_where_needed() -> None:
    works, experts = _instance(5, works=30, experts=8, caps=(20, 30), units=5)
    first = assign(works, experts, per_work=2)
    gone = experts[0].name
    second = assign(works, experts[1:], per_work=2, existing=first.experts)
    for work in works:
        before = first.experts[work.number]
        if gone in before:
            assert gone not in second.experts[work.number]
            assert set(before) - {gone} <= set(second.experts[work.number])
            assert second.dropped[work.number] == (gone,)
        else:
            assert second.experts[work.number] == before
