"""examples/incident_analysis.ipynb, executed top to bottom in a fresh kernel (its cells assert
the answers), so the notebook cannot rot."""

import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[3] / "examples" / "incident_analysis.ipynb"


def test_incident_analysis_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env={"MPLBACKEND": "Agg"})
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    last = nb.cells[-1].outputs[-1]
    assert "<svg" in last["data"]["text/html"], "the analysis shows inline as the report"
