"""The bundled rule versions: citations, dates, statuses, exact thresholds, validation."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.errors import DataError, RuleError
from computegov.policy.rules import get_rule, load_rules, parse_rules


def test_every_version_is_bundled_with_its_federal_register_citation() -> None:
    rules = load_rules()
    assert rules.versions == ("2022-10", "2023-10", "2024-12", "2025-01", "2025-05", "2026-01")
    citations = {r.id: r.citation for r in rules.rules}
    assert citations == {
        "2022-10": "87 FR 62186",
        "2023-10": "88 FR 73458",
        "2024-12": "89 FR 96790",
        "2025-01": "90 FR 4544",
        "2025-05": "BIS press release 2025-05-13 (no Federal Register document)",
        "2026-01": "91 FR 1684",
    }


def test_statuses_and_dates() -> None:
    rules = {r.id: r for r in load_rules().rules}
    assert rules["2022-10"].status == "superseded" and rules["2022-10"].superseded_by == "2023-10"
    assert rules["2023-10"].effective == dt.date(2023, 11, 17)
    assert rules["2024-12"].status == "superseded" and rules["2024-12"].superseded_by == "2026-01"
    assert rules["2025-01"].status == "rescinded"
    assert rules["2026-01"].status == "in_force"
    assert rules["2026-01"].effective == rules["2026-01"].published == dt.date(2026, 1, 15)
    assert rules["2026-01"].fr_doc == "2026-00789"
    assert load_rules().current.id == "2026-01"


def _thresholds(version: str) -> dict[str, list[tuple[str, str, float]]]:
    rule = get_rule(version)
    return {
        clause.id: [(c.metric, c.op, c.value) for c in clause.all]
        for paragraph in rule.paragraphs
        for clause in paragraph.clauses
    }


def test_2022_rule_is_tpp_4800_and_io_600_together() -> None:
    assert _thresholds("2022-10") == {
        "3A090.a.1": [("io_bandwidth_gb_per_s", ">=", 600), ("tpp", ">=", 4800)],
    }


@pytest.mark.parametrize("version", ["2023-10", "2024-12", "2025-01"])
def test_2023_thresholds_are_copied_exactly(version: str) -> None:
    got = _thresholds(version)
    assert got["3A090.a.1"] == [("tpp", ">=", 4800)]
    assert got["3A090.a.2"] == [("tpp", ">=", 1600), ("performance_density", ">=", 5.92)]
    assert got["3A090.b.1"] == [
        ("tpp", ">=", 2400),
        ("tpp", "<", 4800),
        ("performance_density", ">=", 1.6),
        ("performance_density", "<", 5.92),
    ]
    assert got["3A090.b.2"] == [
        ("tpp", ">=", 1600),
        ("performance_density", ">=", 3.2),
        ("performance_density", "<", 5.92),
    ]
    note2 = get_rule(version).exclusions[0]
    assert note2.id == "Note 2 to 3A090"
    assert [(c.metric, c.op, c.value) for c in note2.all] == [
        ("datacenter", "==", False),
        ("tpp", "<", 4800),
    ]


@pytest.mark.parametrize("version", ["2024-12", "2025-01"])
def test_hbm_paragraph_c_is_strictly_greater_than_2_gb_per_s_per_mm2(version: str) -> None:
    assert _thresholds(version)["3A090.c"] == [
        ("memory_bandwidth_density_gb_per_s_per_mm2", ">", 2.0)
    ]


def test_unknown_version_lists_the_known_ones() -> None:
    with pytest.raises(RuleError, match=r"2021-01.*2022-10 \(87 FR 62186\), 2023-10.*2025-01"):
        get_rule("2021-01")


@pytest.mark.parametrize("key", ["2023-10", " 2023-10 ", "88 FR 73458", "88 fr  73458", "2023"])
def test_a_version_can_be_named_by_id_citation_or_unique_year(key: str) -> None:
    assert get_rule(key).id == "2023-10"


def test_licensing_actions_are_recorded_as_not_changing_classification() -> None:
    actions = {a.id: a for a in load_rules().actions}
    h20 = actions["2025-04-h20-licence"]
    assert h20.kind == "licensing_action" and not h20.changes_classification
    assert all(not a.changes_classification for a in actions.values())


def _minimal(**overrides: object) -> dict[str, object]:
    version: dict[str, object] = {
        "id": "x",
        "title": "t",
        "citation": "c",
        "fr_doc": "d",
        "url": "u",
        "published": "2020-01-01",
        "effective": "2020-01-01",
        "status": "in_force",
        "paragraphs": [
            {
                "id": "p",
                "summary": "s",
                "source": "s",
                "clauses": [{"id": "p.1", "all": [{"metric": "tpp", "op": ">=", "value": 1}]}],
            }
        ],
    }
    version.update(overrides)
    return {"versions": [version]}


def test_parse_accepts_a_minimal_rule() -> None:
    assert parse_rules(_minimal()).versions == ("x",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": "maybe"}, "status"),
        (
            {
                "paragraphs": [
                    {
                        "id": "p",
                        "summary": "s",
                        "source": "s",
                        "clauses": [
                            {"id": "p.1", "all": [{"metric": "flops", "op": ">=", "value": 1}]}
                        ],
                    }
                ]
            },
            "unknown metric",
        ),
        (
            {
                "paragraphs": [
                    {
                        "id": "p",
                        "summary": "s",
                        "source": "s",
                        "clauses": [
                            {"id": "p.1", "all": [{"metric": "tpp", "op": "~", "value": 1}]}
                        ],
                    }
                ]
            },
            "unknown operator",
        ),
        ({"published": "last year"}, "date"),
    ],
)
def test_parse_rejects_malformed_rules_naming_the_field(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        parse_rules(_minimal(**overrides))


def test_licence_exceptions_per_version() -> None:
    def table(version: str) -> list[tuple[str, str, list[tuple[str, str, object]]]]:
        return [
            (x.id, x.paragraph, [(c.metric, c.op, c.value) for c in x.all])
            for x in get_rule(version).license_exceptions
        ]

    nac = [
        ("NAC", "3A090.a", [("datacenter", "==", False), ("tpp", ">=", 4800)]),
        ("NAC", "3A090.b", [("datacenter", "==", True)]),
    ]
    # 15 CFR 740.25 (89 FR 96790): License Exception HBM only below 3.3 GB/s/mm^2.
    hbm = ("HBM", "3A090.c", [("memory_bandwidth_density_gb_per_s_per_mm2", "<", 3.3)])
    assert table("2022-10") == []
    assert table("2023-10") == nac
    assert table("2024-12") == [*nac, hbm]
    aca = ("ACA", "3A090.a", [("datacenter", "==", False)])  # 90 FR 4544
    assert table("2025-01") == [nac[0], aca, nac[1], hbm]


def test_diffusion_rule_status_says_how_it_was_rescinded() -> None:
    note = get_rule("2025-01").status_note
    assert "2025-05-13" in note and "not enforce" in note and "B-337935" in note


def test_due_diligence_rule_is_cited_by_its_federal_register_page() -> None:
    action = {a.id: a for a in load_rules().actions}["2025-01-due-diligence"]
    assert action.citation.startswith("90 FR 5298") and action.date == dt.date(2025, 1, 16)
