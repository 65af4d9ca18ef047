"""Cluster organisation maturity (scoring.maturity): every stage boundary, unknowns, next steps."""

import json

import pytest

from scoring import maturity

ALL_GROUPS = set(maturity.GROUPS)


def facts(**overrides):
    """A supercluster: every criterion met with room to spare; overrides push one fact to a boundary."""
    base = {
        "members_count": 120,
        "member_types": ["firm", "university", "public body"],
        "management_fte": 4.0,
        "has_board": True,
        "has_ceo": True,
        "annual_budget": 750_000,
        "funding_model": "stable",
        "formal_legal_entity": True,
        "annual_reporting": True,
        "regions_spanned": 3,
        "cross_border": False,
    }
    return {**base, **overrides}


def stage(groups=ALL_GROUPS, strong=True, **overrides):
    return maturity.maturity_stage(facts(**overrides), groups, strong)


def criterion(result, stage_name, name):
    (entry,) = [s for s in result["stages"] if s["stage"] == stage_name]
    (found,) = [c for c in entry["criteria"] if c["criterion"] == name]
    return found


def test_everything_met_is_a_supercluster():
    result = stage()
    assert result["stage"] == "supercluster"
    assert [s["stage"] for s in result["stages"]] == list(maturity.STAGES)
    assert all(s["reached"] for s in result["stages"])
    assert result["next_steps"] == []
    json.dumps(result)  # plain JSON


def test_every_criterion_is_shown_in_words():
    result = stage(members_count=10, management_fte=None, strong=None)
    for entry in result["stages"]:
        assert entry["criteria"]
        for c in entry["criteria"]:
            assert set(c) >= {"criterion", "required", "value", "met"}
            assert isinstance(c["criterion"], str) and isinstance(c["required"], str) and isinstance(c["value"], str)
    assert criterion(result, "organised", "Committed members")["value"] == "10 members"
    assert criterion(result, "organised", "Cluster management staff")["value"] == "not recorded"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"members_count": 14}, "none"),
        ({"members_count": 15}, "organised"),
        ({"management_fte": 0.4, "members_count": 30}, "none"),
        ({"management_fte": 0.5, "members_count": 24}, "organised"),
        ({"member_types": ["firm", "firm"], "members_count": 30}, "none"),
        ({"member_types": ["firm", "university"], "members_count": 30, "funding_model": "project"}, "emerging"),
        ({"members_count": 25, "management_fte": 0.5}, "emerging"),
        ({"members_count": 49}, "emerging"),
        ({"members_count": 50, "has_board": False}, "growth"),
        ({"funding_model": "project"}, "emerging"),
        ({"funding_model": ""}, "emerging"),
        ({"funding_model": "mixed", "has_ceo": False}, "growth"),
        ({"formal_legal_entity": False}, "emerging"),
        ({"annual_reporting": False}, "emerging"),
        ({"management_fte": 2.9}, "growth"),
        ({"management_fte": 3}, "supercluster"),
        ({"annual_budget": 0}, "growth"),
        ({"regions_spanned": 1}, "growth"),
        ({"regions_spanned": 1, "cross_border": True}, "supercluster"),
        ({"regions_spanned": 2}, "supercluster"),
    ],
)
def test_stage_boundaries(overrides, expected):
    assert stage(**overrides)["stage"] == expected


def test_stages_are_cumulative():
    # Supercluster-sized but no management staff: nothing is reached, even though later criteria are met.
    result = stage(management_fte=0.0)
    assert result["stage"] == "none"
    assert not any(s["reached"] for s in result["stages"])
    assert criterion(result, "growth", "Members")["met"]  # still shown as met


def test_supercluster_needs_all_five_groups_and_a_strong_cluster():
    assert stage(groups=ALL_GROUPS - {"capital"})["stage"] == "growth"
    assert (
        "missing capital"
        in criterion(stage(groups=ALL_GROUPS - {"capital"}), "supercluster", "All five stakeholder groups")["value"]
    )
    assert stage(strong=False)["stage"] == "growth"


def test_unknown_strong_cluster_is_unmet_but_marked_unknown():
    result = stage(strong=None)
    assert result["stage"] == "growth"
    c = criterion(result, "supercluster", "Strong economic cluster")
    assert c["met"] is False and c["unknown"] is True and c["value"] == "not recorded"
    assert any("not recorded yet" in step for step in result["next_steps"])


def test_next_steps_are_the_unmet_criteria_of_the_next_stage():
    result = stage(members_count=12, member_types=["firm"], management_fte=0.2)
    assert result["stage"] == "none"
    assert len(result["next_steps"]) == 3
    assert any("15 committed members" in s for s in result["next_steps"])
    growth = stage(members_count=40, annual_reporting=None)
    assert growth["stage"] == "emerging"
    assert len(growth["next_steps"]) == 2  # 50 members; annual reporting (not recorded)
    assert growth["next_steps"][0].startswith("Grow the membership to at least 50")


def test_missing_facts_and_groups_are_unknown_not_errors():
    result = maturity.maturity_stage({}, None, None)
    assert result["stage"] == "none"
    assert all(c["unknown"] and not c["met"] for s in result["stages"] for c in s["criteria"])
    json.dumps(result)
