"""
Phase markers and trace events.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The guest calls ``mark_phase(name)`` at each phase boundary and
``trace_event(name, **values)`` where it checks a value worth showing.

On the RISC-V build the launcher provides a built-in ``zkvm`` module, and
``mark_phase`` forwards to ``zkvm.mark(name)`` so that an instruction counter
can attribute instructions to phases. On the host, a tool may register an
observer (``observe_guest``) to see phases and events: that is how
``stateless-guest trace`` shows what the guest checked. With neither, both
calls cost one test of an empty list, so the guest path pays nothing for them.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

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

PHASE_EVENT = "phase"
"""The event name under which observers see a phase boundary."""

Observer = Callable[[str, Mapping[str, object]], None]
_observers: list[Observer] = []


def mark_phase(name: str) -> None:
    """Tell an attached instruction counter or observer that phase `name` starts."""
    if _mark is not None:
        _mark(name)
    if _observers:
        trace_event(PHASE_EVENT, name=name)


def tracing() -> bool:
    """Tell whether anyone observes the guest, before computing costly values."""
    return bool(_observers)


def trace_event(event: str, /, **values: object) -> None:
    """Show observers a value the guest has just checked or computed."""
    for observer in _observers:
        observer(event, values)


@contextmanager
def observe_guest(observer: Observer) -> Iterator[None]:
    """Let `observer` see every phase and event while the block runs."""
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)
