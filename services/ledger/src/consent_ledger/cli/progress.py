"""The progress of a long command: a bar on a terminal's error output, nothing (and rich.progress
not even loaded: 20 ms of `verify`'s start) when that is a file, a pipe or a job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .output import err

if TYPE_CHECKING:
    from rich.progress import Progress


__all__ = ["progress_bar"]


class _Unseen:
    """The progress of a command whose error output is no terminal (a file, a pipe, a job): nothing
    to show, so rich.progress is not even loaded (20 ms of `verify`'s start)."""

    def __enter__(self) -> _Unseen:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        return None

    def reset(self, task: int) -> None:
        return None


def progress_bar() -> Progress:
    if not err.is_terminal:
        return _Unseen()  # type: ignore[return-value]  # the part of Progress the commands use
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
