"""
``stateless-guest trace``: the guest's phases, step by step.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

For spec readers: run the guest on one input and show, in order, the phases
it goes through (read input, decode, request root, headers, pre-state, each
transaction, withdrawals, requests, the commitments compared) with the values
it checks at each step, then the verdict. The guest reports these through
``guest.profile`` (``mark_phase`` and ``trace_event``); this module only
listens.

``--evm`` adds an [EIP-3155] opcode trace as JSON lines: one object per
executed opcode (``pc``, ``op``, ``gas``, ``gasCost``, ``memSize``,
``stack``, ``depth``, ``refund``, ``opName``).

[EIP-3155]: https://eips.ethereum.org/EIPS/eip-3155
"""

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from eth.abc import ComputationAPI

from ..profile import PHASE_EVENT, observe_guest
from ..stateless_guest import Verdict, run_stateless_guest_with_verdict
from .io import read_input_file

INDENT = "    "


@dataclass
class GuestTrace:
    """Collect the guest's phases and events with their timing."""

    started: float = field(default_factory=time.perf_counter)
    steps: list[tuple[float, str, dict[str, object]]] = field(default_factory=list)

    def __call__(self, event: str, values: Mapping[str, object]) -> None:
        """Record one phase boundary or event."""
        self.steps.append((time.perf_counter() - self.started, event, dict(values)))


def show_value(value: object) -> str:
    """Render a traced value: bytes as hex, the rest as they print."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def render_trace(trace: GuestTrace, verdict: Verdict) -> Iterator[str]:
    """Yield the human-readable lines of a trace."""
    yield "phase read input"
    for seconds, event, values in trace.steps:
        if event == PHASE_EVENT:
            yield f"phase {values['name']}  (+{seconds * 1000:.1f} ms)"
            continue
        details = ", ".join(f"{key}={show_value(v)}" for key, v in values.items())
        yield f"{INDENT}{event}: {details}" if details else f"{INDENT}{event}"
    result = verdict.result
    yield "output"
    yield f"{INDENT}new_payload_request_root=0x{result.new_payload_request_root.hex()}"
    yield f"{INDENT}successful_validation={result.successful_validation}"
    yield f"{INDENT}chain_id={result.chain_id}, schema_id=0x{result.schema_id:04x}"
    yield f"verdict: {verdict.describe()}"
    refusal = verdict.refusal
    if refusal is not None:
        yield f"{INDENT}refused in phase: {refusal.phase.value}"


@contextmanager
def evm_tracing(write: Callable[[str], None]) -> Iterator[None]:
    """Wrap every fork's opcodes so that each step is written as JSON."""
    from ..forks import vm_class_for
    from ..schema import ProtocolFork

    computation_classes = set()
    for fork in ProtocolFork:
        try:
            vm_class = vm_class_for(fork)
        except (KeyError, NotImplementedError):
            continue
        computation_classes.add(vm_class.get_state_class().computation_class)
    with ExitStack() as stack:
        for computation_class in computation_classes:
            stack.enter_context(traced_opcodes(computation_class, write))
        yield


@contextmanager
def traced_opcodes(
    computation_class: Any, write: Callable[[str], None]
) -> Iterator[None]:
    """Replace a computation class's opcode table by a tracing one, then restore."""
    original = computation_class.__dict__.get("opcodes")
    table = computation_class.opcodes
    computation_class.opcodes = {
        opcode: trace_opcode(opcode, function, write)
        for opcode, function in table.items()
    }
    try:
        yield
    finally:
        if original is None:
            del computation_class.opcodes
        else:
            computation_class.opcodes = original


def trace_opcode(
    opcode: int, function: Callable[..., Any], write: Callable[[str], None]
) -> Callable[..., Any]:
    """Wrap one opcode so it writes its EIP-3155 line once it has run."""
    name = getattr(function, "mnemonic", None) or getattr(
        getattr(function, "__wrapped__", None), "mnemonic", f"0x{opcode:02x}"
    )

    def traced(computation: ComputationAPI) -> None:
        gas = computation.get_gas_remaining()
        step: dict[str, object] = {
            "pc": max(0, computation.code.program_counter - 1),
            "op": opcode,
            "gas": hex(gas),
            "memSize": len(computation._memory),  # type: ignore[attr-defined]
            "stack": [
                hex(v if isinstance(v, int) else int.from_bytes(v, "big"))
                for v in computation._stack.values  # type: ignore[attr-defined]
            ],
            "depth": computation.msg.depth + 1,
            "refund": computation.get_gas_refund(),
            "opName": name,
        }
        try:
            function(computation=computation)
        finally:
            step["gasCost"] = hex(max(0, gas - computation.get_gas_remaining()))
            write(json.dumps(step, separators=(",", ":")))

    return traced


def trace_guest(
    input_bytes: bytes, evm_out: IO[str] | None = None
) -> tuple[GuestTrace, Verdict]:
    """Run the guest while recording its phases (and opcodes, if asked)."""
    trace = GuestTrace()
    with ExitStack() as stack:
        stack.enter_context(observe_guest(trace))
        if evm_out is not None:
            stack.enter_context(evm_tracing(lambda line: print(line, file=evm_out)))
        verdict = run_stateless_guest_with_verdict(input_bytes)
    return trace, verdict


def command_trace(args: argparse.Namespace) -> int:
    """Print the trace of one guest run."""
    input_bytes = read_input_file(args.input)
    evm_out = None
    if args.evm:
        evm_out = open(args.evm_output, "w") if args.evm_output else sys.stdout
    try:
        trace, verdict = trace_guest(input_bytes, evm_out)
    finally:
        if evm_out is not None and evm_out is not sys.stdout:
            evm_out.close()
    for line in render_trace(trace, verdict):
        print(line, file=sys.stderr if args.evm and not args.evm_output else sys.stdout)
    return 0


def add_parser(commands: Any) -> None:
    """Register ``stateless-guest trace``."""
    parser = commands.add_parser(
        "trace",
        help="show the guest's phases and checked values for one input",
        description="Run the guest on INPUT and show each phase with the values it "
        "checks, then the verdict.",
    )
    parser.add_argument("input", help="input file: binary, .hex, or - for stdin")
    parser.add_argument(
        "--evm", action="store_true", help="add an EIP-3155 opcode trace (JSON lines)"
    )
    parser.add_argument(
        "--evm-output",
        metavar="FILE",
        help="write the opcode trace here (default: stdout)",
    )
    parser.set_defaults(func=command_trace)
