"""Parameters: presets, files, overrides, and one-line errors for bad input."""

from __future__ import annotations

import pytest

from market_abm.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parameter_docs,
    parse_assignments,
    scenario_to_toml,
)


def test_baseline_preset_is_the_documented_defaults():
    assert load_scenario("baseline") == Scenario()
    s = Scenario()
    assert (s.start_year, s.end_year, s.steps_per_year, s.internet_start_year) == (1990, 2050,
                                                                                   12, 1995)
    assert s.n_steps == 61 * 12


def test_bass_preset_uses_complete_graph_and_pure_bass():
    s = load_scenario("bass")
    assert s.social_network == "complete" and s.adoption_model == "bass"


def test_overrides_are_parsed_from_strings():
    s = load_scenario("baseline", parse_assignments(["n_customers=500",
                                                     "social_network=barabasi_albert",
                                                     "dynamic_pricing=false"]))
    assert s.n_customers == 500 and s.social_network == "barabasi_albert"
    assert s.dynamic_pricing is False


@pytest.mark.parametrize("overrides, words", [
    ({"n_custmers": 5}, ["unknown parameter", "n_custmers"]),
    ({"n_customers": 5}, ["n_customers", "greater than or equal to 10"]),
    ({"n_customers": "many"}, ["n_customers", "integer"]),
    ({"social_network": "ring"}, ["social_network", "watts_strogatz"]),
    ({"end_year": 1980}, ["end_year", ">= start_year"]),
    ({"printer_capability_growth": -0.1}, ["printer_capability_growth"]),
])
def test_bad_parameters_give_one_line_naming_the_key(overrides, words):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", overrides)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_unknown_preset_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("baselin")
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(str(tmp_path / "nope.toml"))


def test_files_round_trip_and_malformed_files_fail(tmp_path):
    s = load_scenario("baseline", {"n_customers": 321, "printer_capability_growth": 0.2})
    path = tmp_path / "s.toml"
    path.write_text(scenario_to_toml(s))
    assert load_scenario(path) == s
    yml = tmp_path / "s.yaml"
    yml.write_text("n_customers: 777\nsocial_network: complete\n")
    assert load_scenario(yml).n_customers == 777
    bad = tmp_path / "bad.toml"
    bad.write_text("n_customers = = 3\n")
    with pytest.raises(ScenarioError, match="malformed"):
        load_scenario(bad)


def test_bad_set_syntax():
    with pytest.raises(ScenarioError, match="key=value"):
        parse_assignments(["n_customers"])


def test_every_parameter_has_unit_and_rationale():
    for row in parameter_docs():
        assert row["unit"], row["name"]
        assert len(row["rationale"]) > 10, row["name"]
