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


class StderrIsNotAFailure(NbGraderPreprocessor):
    """In graded test cells, keep what was printed on stderr but as ordinary output, so it does not score 0.

    nbgrader scores a test cell 0 when anything appears on stderr. A correct answer may well print there: a
    tqdm progress bar, a library's warning, a log line. In this course a test fails by raising (an error
    output), so stderr text is shown in the feedback, prefixed with "[stderr]", and never costs points.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and rules.is_test(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output.name = "stdout"
                    output.text = "".join(f"[stderr] {line}" for line in output.get("text", "").splitlines(True))
        return cell, resources
