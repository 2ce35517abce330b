"""Write the parameter table (docs/parameters.md) from the Scenario fields.

Run ``python -m market_abm.docs > docs/parameters.md``; a test keeps the file in step.
"""

from __future__ import annotations

from market_abm.scenario import parameter_docs


def parameter_table() -> str:
    """The Markdown parameter table: name, default, unit, allowed values, rationale, source."""
    lines = ["# Parameters", "",
             "Generated from `market_abm/scenario.py` by `make docs`; do not edit by hand.",
             "Rates are per year; money is in US dollars of the modelled region.", "",
             "| parameter | default | unit | allowed | rationale | source |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in parameter_docs():
        cells = [f"`{row['name']}`", f"`{row['default']}`", row["unit"], row["allowed"],
                 row["rationale"], row["source"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(parameter_table(), end="")
