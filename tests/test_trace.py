"""The trace tool: phases in order, the verdict, and the opcode trace."""

import io
import json

from guest.cli import main
from guest.host.trace import render_trace, trace_guest
from guest.profile import PHASES
from guest.schema import serialize_stateless_input
from tests.conftest import UPSTREAM_VECTORS, shared_file
from tests.factories import sample_input


def phases_of(lines: list[str]) -> list[str]:
    return [
        line.split("  ")[0].removeprefix("phase ")
        for line in lines
        if line.startswith("phase ")
    ]


def test_undecodable_input_stops_after_decode():
    trace, verdict = trace_guest(b"\x15")
    lines = list(render_trace(trace, verdict))
    assert phases_of(lines) == ["read input", "decode"]
    assert lines[-1].startswith("verdict: undecodable: ")


def test_phases_follow_the_guest_order():
    trace, verdict = trace_guest(serialize_stateless_input(sample_input()))
    lines = list(render_trace(trace, verdict))
    phases = phases_of(lines)
    assert phases[:3] == ["read input", "decode", "request root"]
    assert phases[-1] == "write output"
    assert [PHASES.index(phase) for phase in phases] == sorted(
        PHASES.index(phase) for phase in phases
    )
    assert any(line.startswith("verdict: invalid: ") for line in lines)


def test_trace_command(tmp_path, capsys):
    source = tmp_path / "input.bin"
    source.write_bytes(serialize_stateless_input(sample_input()))
    assert main(["trace", str(source)]) == 0
    out = capsys.readouterr().out
    assert "phase request root" in out and "successful_validation=False" in out


def valid_upstream_input() -> bytes:
    cases = json.loads(shared_file(UPSTREAM_VECTORS).read_text())["cases"]
    case = next(case for case in cases if "fill_stack" in case["name"])
    return bytes.fromhex(case["statelessInputBytes"].removeprefix("0x"))


def test_valid_block_shows_transactions_and_commitments():
    trace, verdict = trace_guest(valid_upstream_input())
    events = [event for _, event, _ in trace.steps]
    assert verdict.status == "valid"
    assert events.count("transaction") == 1
    commitments = [values for _, event, values in trace.steps if event == "commitment"]
    assert {"state_root", "receipt_root", "block_access_list_hash"} <= {
        values["field"] for values in commitments
    }
    assert all(values["matches"] for values in commitments)


def test_evm_trace_is_eip3155_json_lines():
    lines = io.StringIO()
    trace_guest(valid_upstream_input(), evm_out=lines)
    steps = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert steps, "no opcode was traced"
    keys = {"pc", "op", "gas", "gasCost", "memSize", "stack", "depth", "opName"}
    assert all(keys <= step.keys() for step in steps)
    for before, after in zip(steps, steps[1:]):
        if before["depth"] == after["depth"] and before["opName"].startswith("PUSH"):
            assert int(after["gas"], 16) == int(before["gas"], 16) - int(
                before["gasCost"], 16
            )
