"""Phase markers for instruction counting.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

On the RISC-V build the launcher provides a built-in ``zkvm`` module; the
guest calls ``zkvm.mark(name)`` at each phase boundary so that an instruction
counter can attribute instructions to phases. Anywhere else the marker is a
no-op, so the guest path pays nothing for it.
"""

from collections.abc import Callable

try:
    import zkvm  # type: ignore[import-not-found]

    _mark: Callable[[str], object] | None = getattr(zkvm, "mark", None)
except ImportError:
    _mark = None

PHASES = (
    "read input",
    "decode",
    "request root",
    "headers",
    "pre-state",
    "execution",
    "post-state root",
    "write output",
)


def mark_phase(name: str) -> None:
    """Tell an attached instruction counter that phase `name` starts."""
    if _mark is not None:
        _mark(name)
