"""Plain-text tables for the command line (the class summary, the benchmark report)."""

from __future__ import annotations


def text_table(header: list[str], rows: list[list]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            str(value).ljust(width) for value, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
