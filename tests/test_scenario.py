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


@pytest.mark.parametrize("key, value, words", [
    ("population_households", float("inf"), ["population_households", "finite"]),
    ("population_households", float("nan"), ["population_households", "finite"]),
    ("population_households", 1e308, ["population_households", "at most 1e12"]),
    ("time_value", float("inf"), ["time_value", "finite"]),
    ("parcel_cost", float("inf"), ["parcel_cost", "finite"]),
    ("printer_price_start", float("inf"), ["printer_price_start", "finite"]),
    ("printer_capability_growth", True, ["printer_capability_growth", "a number", "True"]),
    ("n_customers", "300", ["n_customers", "an integer", "'300'"]),
    ("n_customers", 300.0, ["n_customers", "an integer"]),
    ("n_customers", True, ["n_customers", "an integer"]),
    ("dynamic_pricing", "no", ["dynamic_pricing", "true or false", "'no'"]),
    ("dynamic_pricing", 1, ["dynamic_pricing", "true or false"]),
])
def test_types_are_strict_and_numbers_finite(key, value, words):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {key: value})
    message = str(err.value)
    assert "\n" not in message and len(message) < 200, message
    for word in words:
        assert word in message, message


def test_numpy_scalars_are_the_numbers_they_hold():
    import numpy as np

    s = load_scenario("baseline", {"n_customers": np.int64(500), "bass_q": np.float64(0.4),
                                   "dynamic_pricing": np.bool_(False)})
    assert (s.n_customers, s.bass_q, s.dynamic_pricing) == (500, 0.4, False)
    assert type(s.n_customers) is int


def test_a_check_across_parameters_is_one_short_line():
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {"printer_price_start": 100.0})
    assert str(err.value) == ("printer_price_floor: must be <= printer_price_start (100.0), "
                              "got 150.0")


@pytest.mark.parametrize("name, content, words", [
    ("both.toml", b"n_customers = 500\n[scenario]\nbass_q = 0.3\n",
     ["'n_customers' is outside the [scenario] table"]),
    ("five.toml", b"scenario = 5\n", ["'scenario' must be a table", "a number"]),
    ("null.yaml", b"scenario: null\n", ["'scenario' must be a table", "null"]),
    ("list.yaml", b"scenario: [1, 2]\n", ["'scenario' must be a table", "a list"]),
    ("top.yaml", b"- 1\n- 2\n", ["expected a table", "a list"]),
    ("latin1.toml", "n_customers = 500 # caf\u00e9\n".encode("latin-1"), ["not UTF-8"]),
    ("keys.yaml", b"1: 2\n", ["key 1 is not a parameter name"]),
    ("bool.toml", b"printer_capability_growth = true\n", ["printer_capability_growth",
                                                          "a number"]),
    ("text.toml", b'n_customers = "300"\n', ["n_customers", "an integer"]),
    ("word.yaml", b"dynamic_pricing: 'no'\n", ["dynamic_pricing", "true or false"]),
])
def test_scenario_files_are_read_strictly(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_a_folder_is_not_a_scenario_file(tmp_path):
    folder = tmp_path / "mine.toml"
    folder.mkdir()
    for source in (folder, tmp_path):
        with pytest.raises(ScenarioError, match="is a folder"):
            load_scenario(source)


def test_empty_yaml_file_is_the_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_scenario(path) == Scenario()
