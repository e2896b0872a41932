"""Text tables for the command line (the class summary, the benchmark report), drawn by rich:
plain text when the output is a file or a pipe, so a log or a test reads them as well."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table


def text_table(header: list[str], rows: list[list]) -> str:
    """A header, a rule under it, and one line a row; no cell is cut (long cells wrap)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="")
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(str(value) for value in row))
    out = io.StringIO()
    Console(file=out, width=200, color_system=None, force_terminal=False).print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines() if line.strip())
