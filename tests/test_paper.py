"""The paper: parameter table in step with Scenario, ODD headings, and a build from tiny results."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from market_abm import patterns
from market_abm.cli import main as cli
from market_abm.scenario import Scenario, parameter_docs
from paper import build as paper

SOURCE = Path(paper.__file__).with_name("paper.typ")


def pdf_text(path: Path, page_numbers: bool = True) -> str:
    """The PDF's text, normalised: ligatures split, whitespace collapsed, line-end hyphens
    joined; without ``page_numbers``, each page's number (its last line) is left out, so a
    sentence running over a page break reads whole."""
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    if not page_numbers:
        pages = [re.sub(r"\s*\d+\s*$", "", page) for page in pages]
    return normalise("\n".join(pages))


def squash(text: str) -> str:
    """Text without any whitespace: line breaks may fall after '/' or inside raw text."""
    return re.sub(r"\s+", "", normalise(text))


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text)


def test_every_scenario_parameter_is_in_the_paper_parameter_table():
    grouped = [name for _, _, names in paper.PARAMETER_GROUPS for name in names]
    assert len(grouped) == len(set(grouped)), "a parameter is listed in two groups"
    missing = set(Scenario.model_fields) - set(grouped)
    assert not missing, f"add to paper/build.py PARAMETER_GROUPS: {sorted(missing)}"
    stale = set(grouped) - set(Scenario.model_fields)
    assert not stale, f"no longer Scenario parameters: {sorted(stale)}"
    table = {row["name"]: row for group in paper.parameter_groups() for row in group["rows"]}
    assert set(table) == set(Scenario.model_fields)
    for row in parameter_docs():
        assert row["unit"] and row["rationale"], f"{row['name']} has no unit or rationale"


def test_the_source_has_every_odd_element_as_a_heading_in_order():
    text = SOURCE.read_text()
    positions = []
    for element in paper.ODD_ELEMENTS:
        match = re.search(rf"^== {re.escape(element)}\s*$", text, flags=re.M)
        assert match, f"paper.typ lacks the ODD heading '== {element}'"
        positions.append(match.start())
    assert positions == sorted(positions)
    for section in ("Introduction", "Experiments", "Results", "Validation",
                    "Sensitivity analysis", "Discussion and limits"):
        assert re.search(rf"^= {section}\b", text, flags=re.M), section


def test_every_submodel_names_its_module():
    text = SOURCE.read_text()
    submodels = text.split("== Submodels", 1)[1].split("\n= ", 1)[0]
    headings = re.findall(r"^=== (.+)$", submodels, flags=re.M)
    assert len(headings) >= 8
    for heading in headings:
        modules = re.findall(r"`([\w/.]+)`", heading)
        assert modules, f"submodel '{heading}' names no module"
        for module in modules:
            path = module.split(".")[0] if not module.endswith(".py") else module[:-3]
            assert (Path(paper.REPO) / "market_abm" / f"{path}.py").is_file(), module


def test_no_quoted_value_swallows_the_punctuation_after_it():
    # In Typst "#v.name;" and "#(v.name);" end the expression with ";" and drop it: write
    # "#v.name\;" (an escaped semicolon).
    assert not re.findall(r"#\(?v\.\w+\)?;", SOURCE.read_text())


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory):
    """A paper built from a tiny baseline run (300 customers, 1990-1996) and nothing else."""
    root = tmp_path_factory.mktemp("paper")
    results = root / "results"
    status = cli(["run", "--set", "n_customers=300", "--set", "end_year=1996", "--seed", "1",
                  "--out", str(results / "baseline"), "--quiet"])
    assert status == 0
    values = paper.build(results, root / "paper.pdf", root / "generated")
    return values, pdf_text(root / "paper.pdf"), root


def test_tiny_build_has_every_odd_element_figure_and_parameter(tiny_build):
    values, text, root = tiny_build
    assert (root / "paper.pdf").stat().st_size > 50_000
    for element in paper.ODD_ELEMENTS:
        assert element in text, element
    captions = [f["caption"] for part in values["parts"].values() for f in part["figures"].values()]
    assert len(captions) >= 5
    for caption in captions:
        assert squash(caption) in squash(text), caption
    for name in Scenario.model_fields:
        assert name in text, f"parameter {name} missing from the PDF"


def test_tiny_build_quotes_numbers_from_results_and_notes_what_is_missing(tiny_build):
    values, text, root = tiny_build
    parts = values["parts"]
    assert parts["baseline"]["available"]
    assert parts["baseline"]["values"]["last_year"] == "1996"
    # years after the run are said to be outside it, not invented
    assert parts["baseline"]["values"]["online_2019"].startswith("n/a")
    assert not parts["calibration"]["available"]  # 1990-1996 does not overlap 1999-2009
    assert not parts["bass"]["available"]
    assert not parts["version1"]["available"] and not parts["exp_history"]["available"]
    assert "Not in this build" in text
    for command in ("experiments.bass_docking", "experiments.history", "experiments.lock_in",
                    "experiments.pattern_validation", "experiments.discovery"):
        assert command in text, command
    # patterns are not judged on a run that ends before their years
    rows = parts["baseline"]["tables"]["patterns"]["rows"]
    assert len(rows) == len(patterns.BASELINE)
    assert all(r[1].startswith("not evaluable") for r in rows)
    v = parts["baseline"]["values"]  # a semicolon after a quoted value reaches the PDF
    assert squash(f"{v['online_5pct_when']}; they are") in squash(text)
    stored = json.loads((root / "generated" / "values.json").read_text())
    assert stored["parts"]["baseline"]["values"] == parts["baseline"]["values"]


def test_build_from_empty_results_notes_every_part(tmp_path):
    values = paper.build(tmp_path / "results", tmp_path / "paper.pdf", tmp_path / "gen")
    assert not any(part["available"] for part in values["parts"].values())
    text = pdf_text(tmp_path / "paper.pdf")
    assert text.count("Not in this build") >= len(values["parts"])
    assert "market-abm run --scenario baseline" in text


def test_experiment_tables_are_quoted_and_their_figures_included(tmp_path):
    """Parts that read the experiments' tables, on tiny hand-made tables of the same shape."""
    from market_abm.calibration import DEFAULT_PARAMS
    from tests.test_paper_fixtures import write_experiment_results

    results = tmp_path / "results"
    write_experiment_results(results)
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    parts = values["parts"]
    for name in ("exp_replicates", "exp_capability_taste", "exp_pricing", "exp_sensitivity",
                 "exp_network", "exp_validation", "exp_history", "exp_lock_in",
                 "exp_discovery"):
        assert parts[name]["available"] and parts[name]["values"]["quoted"], name
        assert parts[name]["figures"], name
    assert parts["exp_replicates"]["values"]["home_print_10_mean"] == "2040"
    assert parts["exp_capability_taste"]["values"]["niche_max_growth"] == "0.03"
    assert parts["exp_pricing"]["values"]["markup_dynamic"] == "0.10"
    assert parts["exp_sensitivity"]["values"]["morris_top"].startswith("price_sensitivity")
    assert parts["exp_network"]["values"]["ii_2050"].startswith("1.25")
    validation = parts["exp_validation"]["values"]
    assert validation["cal_rmse"] == "1.0 percentage points"
    first = next(iter(DEFAULT_PARAMS["spend_share_online"]))
    assert f"{first} = 2.25" in validation["cal_params"]
    figures = parts["exp_validation"]["figures"]  # each names the command that makes it
    assert figures["validation-patterns"]["caption"].endswith(
        "produced by python -m experiments.pattern_validation).")
    assert figures["validation-calibration"]["caption"].endswith(
        "produced by python -m experiments.calibration).")
    text = pdf_text(tmp_path / "paper.pdf")
    assert "0.03" in text and "price_sensitivity (mu* = 0.500)" in text
    assert "2 books and music go online first: 75" in text
    for part in parts.values():
        for figure in part["figures"].values():
            assert squash(figure["caption"]) in squash(text), figure["caption"]
    for part in parts.values():  # every table a part computed is in the PDF
        for table in part["tables"].values():
            assert squash(table["caption"]) in squash(text), table["caption"]
    # only the parts of a baseline run (absent here) say they are not in this build
    assert {n for n, part in parts.items() if not part["available"]} == {
        "baseline", "network", "calibration", "bass"}


def test_alternatives_and_version_1_are_quoted(tmp_path):
    """alternatives.csv: per pattern, the baseline's share and the share of the alternative
    meant to fail it; the version-1 alternative's share of pattern 1 in the changes section."""
    from market_abm import patterns
    from tests.test_paper_fixtures import write_experiment_results

    results = tmp_path / "results"
    write_experiment_results(results)
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    v = values["parts"]["exp_validation"]["values"]
    v1_name, v1_pattern = paper.version_1_alternative()
    assert v1_pattern == next(iter(patterns.BASELINE))
    assert v["v1_name"] == v1_name and v["v1_share"] == "25\u00a0%"
    assert v["alt_max"] == "25\u00a0%"
    assert f"{v1_name} reproduces pattern 1 in 25\u00a0% of its 4 seeds" in v["alt_clauses"]
    table = values["parts"]["exp_validation"]["tables"]["alternatives-table"]
    meant = sum(len(failing) for _, failing in patterns.ALTERNATIVES.values())
    assert len(table["rows"]) == meant + len(patterns.FROZEN)
    assert table["rows"][0][:2] == [v1_pattern, "100\u00a0% of 4"]
    changes = values["parts"]["version1"]
    assert changes["available"]
    c = changes["values"]
    assert (c["v1_reproduced"], c["v1_runs"], c["v1_base_share"]) == ("1", "4", "100\u00a0%")
    assert c["gap_v1"] == "80.0 percentage points"
    assert c["gap_calibrated"] == "10.0 percentage points"
    text = squash(pdf_text(tmp_path / "paper.pdf"))
    assert squash("reproduce pattern 1 in 1 of 4 seeds (25\u00a0%)") in text
    assert squash("the online share ends 80.0 percentage points apart") in text


def test_history_and_lock_in_are_quoted(tmp_path):
    """history_fit.csv: fits and misses by the stated rule, the sentences of the
    discussion; lock_in.csv: the gap between the starts at the calibrated J and at 3.0."""
    from tests.test_paper_fixtures import write_experiment_results

    results = tmp_path / "results"
    write_experiment_results(results)
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    h = values["parts"]["exp_history"]["values"]
    assert (h["runs"], h["customers"], h["steps"]) == ("3", "500", "monthly")
    assert h["ecom_rmse"] == h["ecom_max_gap"] == "1.0 percentage points"
    assert h["ecom_slower"] and h["ecom_obs_slope"] == "0.30 percentage points a year"
    assert h["ecom_model_slope"].startswith("0.10 percentage points a year")
    close, far = h["close_list"].split("; "), h["far_list"].split("; ")
    assert "bookstores (index 1992 = 1)" in close and "households with internet" in close
    assert "store change 2001-2017: furniture" in close
    for name in ("music stores (index 1997 = 1)", "store change 2001-2017: clothing",
                 "parcels (index 2015 = 1)", "first 3D platform", "first print service"):
        assert name in far, name
    assert h["music_far"]
    assert h["clothing_sentence"].startswith("clothing stores fell in the model")
    assert "but grew in the data" in h["clothing_sentence"]
    assert h["parcels_sentence"].startswith("Parcels per household grew less than")
    assert "3.0 years after Thingiverse (2008)" in h["firsts_sentence"]
    assert h["firsts_late"]
    rows = values["parts"]["exp_history"]["tables"]["history-fit"]["rows"]
    assert len(rows) == 16 and rows[0][-1] == "no" and rows[1][-1] == "yes"
    lock = values["parts"]["exp_lock_in"]["values"]
    threshold, v1, calibrated = paper.lock_in_constants()
    assert lock["calibrated_J"] == f"{calibrated:g}" and lock["v1_J"] == f"{v1:g}"
    assert (lock["gap_calibrated"], lock["gap_v1"]) == ("10.0 percentage points",
                                                          "80.0 percentage points")
    assert lock["slow"] and (lock["years"], lock["seeds"]) == ("20", "2 seeds")
    text = squash(pdf_text(tmp_path / "paper.pdf"))
    for sentence in (h["clothing_sentence"], h["parcels_sentence"], h["firsts_sentence"]):
        assert squash(sentence) in text, sentence
    assert squash("the lock-in runs show slow convergence") in text
    assert squash(f"still {lock['gap_calibrated']} apart at the calibrated") in text


def test_discovery_is_quoted(tmp_path):
    """regimes.csv, outcomes.csv and boxes_<outcome>.csv: the regime counts, the boxes table,
    and sentences whose direction follows the numbers (no run took over, or some did)."""
    from experiments.discovery import printable_ceiling
    from market_abm.regimes import TAKEOVER_SHARE
    from tests.test_paper_fixtures import write_experiment_results

    results = tmp_path / "results"
    write_experiment_results(results)
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    part = values["parts"]["exp_discovery"]
    v = part["values"]
    assert (v["runs"], v["customers"], v["steps"]) == ("20", "500", "monthly")
    assert (v["first_year"], v["last_year"], v["n_uncertainties"]) == ("1990", "2050", "3")
    assert v["uncertainties"].startswith("printer_capability_growth 0.03 to 0.3; ")
    assert (v["niche_runs"], v["coexistence_runs"], v["takeover_runs"]) == (
        "12 (60\u00a0%)", "8 (40\u00a0%)", "0 (0\u00a0%)")
    assert v["peak_max"] == "24.0\u00a0%"
    assert v["takeover_sentence"] == "No run took over"
    assert v["niche_sentence"] == (
        "12 of 20 runs (60\u00a0%) stayed a niche; PRIM's first box "
        "(printer_capability_growth 0.03 to 0.0812; material_margin 1.2 to 2) holds "
        "75\u00a0% of them (coverage) and 10 runs of which 90\u00a0% stayed a niche (density)")
    rows = part["tables"]["discovery-boxes"]["rows"]
    assert rows == [
        ["takeover", "none", "holds for no run: PRIM has nothing to find", "", "", "0 of 20"],
        ["niche", "1", "printer_capability_growth 0.03 to 0.0812; material_margin 1.2 to 2",
         "75\u00a0%", "90\u00a0%", "9 of 10"]]
    # the fixture does not vary multi_material_reach: its ceiling is today's printable shares
    assert v["reach_max"] == "0" and v["ceiling"] == v["ceiling_today"]
    assert v["ceiling_below_takeover"] == (printable_ceiling() < TAKEOVER_SHARE)
    text = squash(pdf_text(tmp_path / "paper.pdf", page_numbers=False))
    for sentence in (v["takeover_sentence"], v["niche_sentence"]):
        assert squash(sentence) in text, sentence
    assert squash(f"let at most {v['ceiling_today']} of the items bought be printed") in text
    assert squash(f"to {v['ceiling']} at the highest reach sampled (0)") in text
    assert squash("takeover cannot happen") in text

    other = tmp_path / "some_take_over"
    from tests.test_paper_fixtures import write_discovery

    write_discovery(other / "discovery", takeover=3)
    values = paper.build(other, tmp_path / "other.pdf", tmp_path / "gen_other")
    v = values["parts"]["exp_discovery"]["values"]
    assert v["takeover_runs"] == "3 (15\u00a0%)" and v["peak_max"] == "60.0\u00a0%"
    assert v["takeover_sentence"] == (
        "3 of 20 runs (15\u00a0%) took over; PRIM's first box (home_print_effort 1 to 2.5) "
        "holds 100\u00a0% of them (coverage) and 6 runs of which 50\u00a0% took over "
        "(density)")
    assert not v["ceiling_below_takeover"]  # the ceiling is not claimed against the runs
    text = squash(pdf_text(tmp_path / "other.pdf", page_numbers=False))
    assert squash("No run took over") not in text
    assert squash("takeover cannot happen") not in text
    assert squash(v["takeover_sentence"]) in text


def test_history_match_is_quoted(tmp_path):
    """results/history_match: the posterior table (weighted quantiles of the last
    population), the holdout scores (weighted by held-out points), the four figures; a run
    that has not finished is a note, not a section."""
    from tests.test_paper_fixtures import write_history_match

    results = tmp_path / "results"
    write_history_match(results / "history_match")
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    part = values["parts"]["history_match"]
    assert part["available"], part["note"]
    v = part["values"]
    assert (v["population"], v["generations"], v["n_targets"], v["tolerance"]) == (
        "4", "2", "1", "0.75")
    assert part["tables"]["history-posterior"]["rows"] == [
        ["habit_weight", "uniform 0.2-1.5", f"{Scenario().habit_weight:g}", "0.7",
         "0.5-1.1"]]
    assert (v["held_points"], v["in_50"], v["in_90"]) == ("4", "50\u00a0%", "75\u00a0%")
    assert (v["beats_line"], v["beats_bass"]) == ("1 of 1", "0 of 1")
    assert part["tables"]["history-holdout"]["rows"][1][-2:] == ["", ""]
    assert (v["observations"], v["fit_in_50"], v["fit_in_90"]) == ("4", "50\u00a0%", "75\u00a0%")
    assert part["tables"]["history-coverage"]["rows"] == [
        ["households with internet", "4", "50\u00a0%", "75\u00a0%"]]
    assert v["end_year"] == "2050" and v["stores"] == "79 (5-95\u00a0%: 60-116)"
    assert v["home_print"] == "8.0\u00a0% (5-95\u00a0%: 5.0\u00a0%-12.0\u00a0%)"
    assert len(part["figures"]) == 4
    text = squash(pdf_text(tmp_path / "paper.pdf", page_numbers=False))
    assert squash("the predictive median beats a straight line on 1 of 1 series") in text
    assert squash("Of the 4 observations the fit saw, 50 % lie inside") in text
    # the holdout's own forecast, not the fit's
    assert v["hold_stores"] == "118 (5-95\u00a0%: 90-174)" and v["hold_end"] == "2050"
    assert squash(f"the 2050 medians are {v['hold_home_print']} of units") in text
    # discussion: the model beats the line on its one series, so no 'no better' clause
    assert not v["trends_better"] and v["held_years"] == "5"
    assert squash("beats a straight line on 1 of 1 series and a Bass curve on 0 of 1.") in text
    assert squash("no better than a trend curve") not in text

    scores = results / "history_match" / "holdout" / "holdout.csv"
    lost = pd.read_csv(scores).assign(rmse_model=[0.05, 0.1])  # worse than line and Bass
    lost.to_csv(scores, index=False)
    values = paper.build(results, tmp_path / "paper_lost.pdf", tmp_path / "gen_lost")
    assert values["parts"]["history_match"]["values"]["trends_better"]
    assert squash("over 5 years the mechanisms forecast these series no better than a trend "
                  "curve") in squash(pdf_text(tmp_path / "paper_lost.pdf", page_numbers=False))

    (results / "history_match" / "fit" / "predictive.parquet").unlink()  # an older fit
    values = paper.build(results, tmp_path / "paper1.pdf", tmp_path / "gen1")
    part = values["parts"]["history_match"]
    assert part["available"] and not part["values"]["has_predictive"]
    assert "history-coverage" not in part["tables"]
    assert squash("observations the fit saw") not in squash(
        pdf_text(tmp_path / "paper1.pdf", page_numbers=False))

    manifest = results / "history_match" / "fit" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"complete"', '"running"'))
    values = paper.build(results, tmp_path / "paper2.pdf", tmp_path / "gen2")
    assert not values["parts"]["history_match"]["available"]
    assert "has not finished" in values["parts"]["history_match"]["note"]


def test_discovery_ceiling_sentence_compares_peaks_with_each_runs_ceiling(tmp_path):
    from experiments.discovery import printable_ceiling

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    assert paper.ceiling_sentence(sweep) == ""  # no tables, no sentence
    pd.DataFrame({"run_id": [0, 1], "multi_material_reach": [0.0, 1.0]}).to_parquet(
        sweep / "runs.parquet")
    top = 0.5 * printable_ceiling(1.0)  # run 1 peaks at half its ceiling, run 0 at a tenth
    pd.DataFrame({"run_id": [0, 0, 1, 1], "year": [2000, 2001] * 2,
                  "share_home_print": [0.0, 0.1 * printable_ceiling(0.0), 0.0, top],
                  "share_print_service": 0.0}).to_parquet(sweep / "yearly.parquet")
    sentence = paper.ceiling_sentence(sweep)
    assert "30\u00a0% of its ceiling in the median run and 50\u00a0% at most" in sentence


def test_history_closeness_rule():
    table = pd.DataFrame([
        {"series": "a share", "year": 2000, "observed": 0.10, "model": 0.12, "unit": "fraction"},
        {"series": "a share", "year": 2001, "observed": 0.20, "model": 0.30, "unit": "fraction"},
        {"series": "store change 2001-2017: x", "year": 2017, "observed": 0.05,
         "model": -0.01, "unit": "fraction"},
        {"series": "store change 2001-2017: y", "year": 2017, "observed": -0.2,
         "model": -0.12, "unit": "fraction"},
        {"series": "first platform", "year": 2008, "observed": 2008, "model": 2010,
         "unit": "year"},
        {"series": "an index", "year": 1997, "observed": 1.0, "model": 1.0, "unit": "index"},
        {"series": "an index", "year": 2007, "observed": 0.5, "model": 0.7, "unit": "index"}])
    table["lo"], table["hi"] = table["model"], table["model"]
    close = paper.history_closeness(table)
    # 20 % and 50 % off: 35 % on average; the change has the wrong sign; 8 points off the
    # same sign; 2 years late; the index's base year is left out, 40 % off
    assert close == {"a share": False, "store change 2001-2017: x": False,
                     "store change 2001-2017: y": True, "first platform": True,
                     "an index": False}


def test_roles_and_colours_come_from_the_package():
    """One list of roles and one palette (issue 12): the paper keeps no copy of its own."""
    from market_abm import palette
    from market_abm.agents import FIRM_ROLES

    assert paper.ROLE_COLOURS is palette.ROLE_COLOURS
    assert paper.ROLE_LABELS is palette.ROLE_LABELS
    assert paper.CHANNEL_COLOURS is palette.CHANNEL_COLOURS
    assert paper.FIRM_ROLES is FIRM_ROLES
    source = Path(paper.__file__).read_text()
    for name in ("ROLE_COLOURS", "ROLE_LABELS", "CHANNEL_COLOURS", "FIRM_ROLES"):
        assert not re.search(rf"^{name}\s*[:=]", source, flags=re.M), name
    assert set(paper.NETWORK_POS) == set(FIRM_ROLES) | {"customers"}
