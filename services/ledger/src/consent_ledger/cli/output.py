"""Where the commands write: one console for results (standard output) and one for messages
(standard error). Neither wraps: a hash, a path or a note piped to a file or another program stays
on one line whatever the terminal's width (rich wraps at 80 columns when it sees no terminal)."""

from __future__ import annotations

from rich.console import Console

__all__ = ["EXIT_DAMAGED", "EXIT_INTACT", "EXIT_USAGE", "err", "out"]

EXIT_INTACT, EXIT_DAMAGED, EXIT_USAGE = 0, 1, 2

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)
