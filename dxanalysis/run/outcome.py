"""What a batch did: the reports written, skipped and failed, the notes on what was not run, the time."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BatchResult:
    """The record of one ``dx batch``: each stage (province reports, publishing) adds to it."""

    succeeded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was not run, and why (not failures)
    seconds: dict[str, float] = field(default_factory=dict)  # "provinces" and "publish" stages
    logged: int = 0  # stderr streams moved out of the reports into batch.log (warnings, chatter)
    pdfs: list[str] = field(default_factory=list)  # PDFs written (--pdf), relative to the output folder


__all__ = ["BatchResult"]
