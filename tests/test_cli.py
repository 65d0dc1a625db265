"""The command line: run and vectors, including their error handling."""

import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

from guest.cli import main
from guest.schema import serialize_stateless_input
from tests.conftest import UPSTREAM_VECTORS, shared_file
from tests.factories import sample_input

ZERO_OUTPUT = bytes(43)
UNDECODABLE = b"\x16\x01" + bytes(20)
NO_PARENT = serialize_stateless_input(sample_input())


def test_run_writes_binary_output_and_verdict(tmp_path, capsys):
    source = tmp_path / "input.bin"
    source.write_bytes(UNDECODABLE)
    target = tmp_path / "output.bin"
    assert main(["run", str(source), "-o", str(target)]) == 0
    assert target.read_bytes() == ZERO_OUTPUT
    assert capsys.readouterr().err.startswith("undecodable: unsupported schema fork")


def test_run_reads_hex_and_prints_hex(tmp_path, capsys):
    source = tmp_path / "input.hex"
    source.write_text("0x" + NO_PARENT.hex() + "\n")
    assert main(["run", str(source), "--hex"]) == 0
    captured = capsys.readouterr()
    output = bytes.fromhex(captured.out.strip().removeprefix("0x"))
    assert len(output) == 43 and output[32] == 0
    assert output[41:43] == b"\x01\x15"
    assert captured.err.startswith("invalid: ")


def test_run_reads_stdin(monkeypatch, capsys):
    stdin = io.TextIOWrapper(io.BytesIO(UNDECODABLE))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["run", "-", "--hex"]) == 0
    assert capsys.readouterr().out.strip() == "0x" + ZERO_OUTPUT.hex()


def test_run_writes_hex_file(tmp_path):
    source = tmp_path / "input.bin"
    source.write_bytes(b"")
    target = tmp_path / "output.hex"
    assert main(["run", str(source), "-o", str(target)]) == 0
    assert target.read_text().strip() == "0x" + ZERO_OUTPUT.hex()


def test_run_reports_missing_file(tmp_path, capsys):
    missing = tmp_path / "absent.bin"
    assert main(["run", str(missing)]) == 2
    error = capsys.readouterr().err
    assert str(missing) in error and "cannot read" in error


def test_run_reports_bad_hex(tmp_path, capsys):
    source = tmp_path / "input.hex"
    source.write_text("0xzz")
    assert main(["run", str(source)]) == 2
    assert "not valid hex" in capsys.readouterr().err


def write_cases(path: Path, cases: list[tuple[str, bytes, bytes]]) -> None:
    document = {
        "cases": [
            {
                "name": name,
                "statelessInputBytes": "0x" + data.hex(),
                "statelessOutputBytes": "0x" + output.hex(),
            }
            for name, data, output in cases
        ]
    }
    path.write_text(json.dumps(document))


def test_vectors_summary_and_reports(tmp_path, capsys):
    write_cases(
        tmp_path / "cases.json",
        [
            ("undecodable", UNDECODABLE, ZERO_OUTPUT),
            ("wrong expectation", UNDECODABLE, b"\x01" + bytes(42)),
        ],
    )
    report = tmp_path / "report.json"
    junit = tmp_path / "report.xml"
    status = main(
        [
            "vectors",
            str(tmp_path),
            "-j",
            "1",
            "--json",
            str(report),
            "--junit",
            str(junit),
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert "FAIL wrong expectation" in out and "root: expected" in out
    data = json.loads(report.read_text())
    assert data["summary"] == {"passed": 1, "failed": 1, "skipped": 0}
    assert 'failures="1"' in junit.read_text()


def test_vectors_reads_eest_layout_from_archive(tmp_path, capsys):
    fixture = {
        "test_undecodable": {
            "network": "Amsterdam",
            "blocks": [
                {
                    "rlp": "0x",
                    "statelessInputBytes": "0x" + UNDECODABLE.hex(),
                    "statelessOutputBytes": "0x" + ZERO_OUTPUT.hex(),
                }
            ],
        }
    }
    member = tmp_path / "fixture.json"
    member.write_text(json.dumps(fixture))
    archive = tmp_path / "fixtures.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(member, arcname="fixtures/blockchain_tests/fixture.json")
    member.unlink()
    assert main(["vectors", str(archive), "-j", "2"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("1 passed, 0 failed")


def test_vectors_reports_unreadable_json(tmp_path, capsys):
    (tmp_path / "broken.json").write_text("{")
    assert main(["vectors", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "unreadable JSON" in out and "0 passed, 1 failed" in out


def test_vectors_reports_missing_path(tmp_path, capsys):
    assert main(["vectors", str(tmp_path / "absent")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_vectors_on_upstream_set(capsys):
    path = shared_file(UPSTREAM_VECTORS)
    main(["vectors", str(path), "-j", "1"])
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    passed, failed = (int(part.split()[0]) for part in last.split(", ")[:2])
    assert passed + failed == 25
    assert passed >= 21  # every case that needs no execution


def valid_upstream_input(tmp_path: Path) -> Path:
    cases = json.loads(shared_file(UPSTREAM_VECTORS).read_text())["cases"]
    case = next(case for case in cases if case["rule"] == "valid")
    source = tmp_path / "valid.hex"
    source.write_text(case["statelessInputBytes"])
    return source


def test_fork_schedule_check_uses_the_supplied_config(tmp_path, capsys):
    source = valid_upstream_input(tmp_path)
    genesis = tmp_path / "genesis.json"
    genesis.write_text(json.dumps({"config": {"chainId": 1, "amsterdamTime": 2**40}}))
    assert main(["run", str(source), "--hex", "--chain-config", str(genesis)]) == 0
    assert capsys.readouterr().err.strip() == "valid"
    assert (
        main(
            [
                "run",
                str(source),
                "--hex",
                "--chain-config",
                str(genesis),
                "--check-fork-schedule",
            ]
        )
        == 0
    )
    assert "StatelessException.FORK_NOT_ACTIVE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "not valid JSON"), ('{"config": {}}', "no chain config object")],
)
def test_bad_chain_config_file(tmp_path, capsys, content, message):
    genesis = tmp_path / "genesis.json"
    genesis.write_text(content)
    source = tmp_path / "input.bin"
    source.write_bytes(UNDECODABLE)
    assert main(["run", str(source), "--chain-config", str(genesis)]) == 2
    error = capsys.readouterr().err
    assert str(genesis) in error and message in error


EEST_ARCHIVE = (
    UPSTREAM_VECTORS.parents[2] / "eest" / "eest-v4-2025-02-blockchain-tests.tar.xz"
)
EEST_MEMBER = (
    "blockchain_tests/cancun/eip4844_blobs/blobhash_opcode/blobhash_scenarios.json"
)


def test_build_from_eest_writes_valid_inputs(tmp_path, capsys):
    with tarfile.open(shared_file(EEST_ARCHIVE)) as archive:
        archive.extract(EEST_MEMBER, tmp_path, filter="data")
    out = tmp_path / "inputs"
    assert main(["build", "--eest", str(tmp_path / EEST_MEMBER), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    written = sorted(out.glob("*.bin"))
    assert written and len(written) == sum(1 for line in lines if ".bin: " in line)
    assert all(line.endswith(": valid") for line in lines if ".bin: " in line)
    assert main(["run", str(written[0]), "--hex"]) == 0
    assert capsys.readouterr().err.strip() == "valid"


def test_build_needs_a_source(tmp_path, capsys):
    assert main(["build", "-o", str(tmp_path)]) == 2
    assert "give --eest FILE" in capsys.readouterr().err
