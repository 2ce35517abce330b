"""The paper: parameter table in step with Scenario, ODD headings, and a build from tiny results."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from market_abm.cli import main as cli
from market_abm.scenario import Scenario, parameter_docs
from paper import build as paper

SOURCE = Path(paper.__file__).with_name("paper.typ")


def pdf_text(path: Path) -> str:
    """The PDF's text, normalised: ligatures split, whitespace collapsed, line-end hyphens
    joined."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return normalise(text)


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
    assert parts["baseline"]["values"]["online_2020"].startswith("n/a")
    assert not parts["calibration"]["available"]  # 1990-1996 does not overlap 1999-2009
    assert not parts["bass"]["available"]
    assert "Not in this build" in text
    assert "experiments.bass_docking" in text
    v = parts["baseline"]["values"]  # a semicolon after a quoted value reaches the PDF
    assert squash(f"{v['online_5pct_when']}; they account for") in squash(text)
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
    from tests.test_paper_fixtures import write_experiment_results

    results = tmp_path / "results"
    write_experiment_results(results)
    values = paper.build(results, tmp_path / "paper.pdf", tmp_path / "gen")
    parts = values["parts"]
    for name in ("exp_replicates", "exp_capability_taste", "exp_pricing", "exp_sensitivity",
                 "exp_network", "exp_validation"):
        assert parts[name]["available"] and parts[name]["values"]["quoted"], name
        assert parts[name]["figures"], name
    assert parts["exp_replicates"]["values"]["home_print_10_mean"] == "2040"
    assert parts["exp_capability_taste"]["values"]["niche_max_growth"] == "0.03"
    assert parts["exp_pricing"]["values"]["markup_dynamic"] == "0.10"
    assert parts["exp_sensitivity"]["values"]["morris_top"].startswith("price_sensitivity")
    assert parts["exp_network"]["values"]["ii_2050"].startswith("1.25")
    assert parts["exp_validation"]["values"]["cal_rmse"] == "1.0 percentage points"
    assert "social_weight = 2.25" in parts["exp_validation"]["values"]["cal_params"]
    validation = parts["exp_validation"]["figures"]  # each names the command that makes it
    assert validation["validation-patterns"]["caption"].endswith(
        "produced by python -m experiments.pattern_validation).")
    assert validation["validation-calibration"]["caption"].endswith(
        "produced by python -m experiments.calibration).")
    text = pdf_text(tmp_path / "paper.pdf")
    assert "0.03" in text and "price_sensitivity (mu* = 0.500)" in text
    assert "6 marginal: 75" in text
    for part in parts.values():
        for figure in part["figures"].values():
            assert squash(figure["caption"]) in squash(text), figure["caption"]
