"""Ruleset versions as Excel workbooks: the layout a bureau circulates for comments (征求意见), read back whole.

``version_workbook`` writes a version, ``read_workbook`` reads one back (as a draft, with problems located by
sheet, row and column), ``comparison_workbook`` writes the differences between two versions.
"""

from __future__ import annotations

from jifen.workbook.compare import comparison_workbook
from jifen.workbook.problems import CellProblem
from jifen.workbook.reader import Origin, read_with_origin, read_workbook
from jifen.workbook.writer import version_workbook

SUFFIX = ".xlsx"
MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_workbook(filename: str) -> bool:
    """Whether a file is to be read as a workbook (by its name: ``.xlsx``), not as YAML."""
    return filename.lower().endswith(SUFFIX)


__all__ = ["MIMETYPE", "SUFFIX", "CellProblem", "Origin", "comparison_workbook", "is_workbook", "read_with_origin",
           "read_workbook", "version_workbook"]  # fmt: skip
