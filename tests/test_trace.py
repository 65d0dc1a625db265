"""The trace tool: phases in order, the verdict, and the opcode trace."""

from guest.cli import main
from guest.host.trace import render_trace, trace_guest
from guest.profile import PHASES
from guest.schema import serialize_stateless_input
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
