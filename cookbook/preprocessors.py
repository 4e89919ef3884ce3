"""nbgrader preprocessors the course adds to autograding (and to ``cookbook check``)."""
from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from . import rules


class LimitOutputSize(NbGraderPreprocessor):
    """Cut each stream output to ``max_chars`` characters (nbgrader's LimitOutput counts lines only,
    so one 20 MB line would otherwise land in the gradebook, the autograded copy and the feedback)."""

    max_chars = Integer(rules.MAX_OUTPUT_CHARS, help="characters kept per stream output").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                text = output.get("text")
                if output.get("output_type") == "stream" and isinstance(text, str) and len(text) > self.max_chars:
                    output.text = (text[:self.max_chars]
                                   + f"\n... [{len(text) - self.max_chars:,} more characters cut by the grader]\n")
        return cell, resources
