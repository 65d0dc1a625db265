"""Tests of vectors/: up to date, self-consistent, and what the guest gives."""

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from guest.schema import (
    compute_new_payload_request_root,
    deserialize_stateless_input,
    deserialize_stateless_output,
)
from guest.stateless_guest import run_stateless_guest

REPOSITORY = Path(__file__).resolve().parents[1]
VECTORS = REPOSITORY / "vectors"
GENERATOR = REPOSITORY / "scripts" / "generate-vectors"
MINIMUM_VALID_CASES = 300
SAMPLE_EVERY = 10
"""The default run replays every tenth case; ``-m slow`` replays them all."""

pytestmark = pytest.mark.skipif(
    not (VECTORS.is_dir() and any(VECTORS.rglob("*.json"))),
    reason="vectors/ has not been generated (scripts/generate-vectors)",
)


@cache
def valid_blocks() -> tuple[tuple[str, str, dict], ...]:
    """Return (file, test name, last block) for every valid vector."""
    blocks = []
    for path in sorted(VECTORS.glob("0x*/*.json")):
        for name, fixture in json.loads(path.read_text()).items():
            blocks.append((path.parent.name, name, fixture["blocks"][-1]))
    return tuple(blocks)


@cache
def invalid_cases() -> tuple[dict, ...]:
    cases = []
    for path in sorted((VECTORS / "invalid").glob("*.json")):
        cases += json.loads(path.read_text())["cases"]
    return tuple(cases)


def pairs(sample_every: int) -> list[tuple[str, str, str]]:
    every = [
        (name, block["statelessInputBytes"], block["statelessOutputBytes"])
        for _, name, block in valid_blocks()
    ] + [
        (case["name"], case["statelessInputBytes"], case["statelessOutputBytes"])
        for case in invalid_cases()
    ]
    return every[::sample_every]


def test_vectors_hold_enough_valid_cases():
    assert len(valid_blocks()) >= MINIMUM_VALID_CASES


def test_generator_check_passes_on_a_subset():
    result = subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--check",
            "--forks",
            "paris,prague",
            "--groups",
            "storage,requests,withdrawals",
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_generator_check_passes_on_everything():
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_valid_vectors_are_self_consistent():
    for directory, name, block in valid_blocks():
        input_bytes = bytes.fromhex(block["statelessInputBytes"][2:])
        stateless_input = deserialize_stateless_input(input_bytes)
        assert directory.startswith(f"0x{stateless_input.schema_id:04x}-"), name
        witness = block["executionWitness"]
        for key in ("state", "codes", "headers"):
            items = [bytes.fromhex(item[2:]) for item in witness[key]]
            assert tuple(items) == getattr(stateless_input.witness, key), name
        output = deserialize_stateless_output(
            bytes.fromhex(block["statelessOutputBytes"][2:])
        )
        assert output.successful_validation, name
        assert output.schema_id == stateless_input.schema_id, name
        assert output.chain_id == stateless_input.chain_id, name
        assert output.new_payload_request_root == compute_new_payload_request_root(
            stateless_input
        ), name


def test_invalid_vectors_name_their_mutation_and_reason():
    for case in invalid_cases():
        assert case["mutation"] and case["name"].endswith(case["mutation"])
        assert case["expected"] in ("undecodable", "refused", "still valid")
        assert case["reason"]


@pytest.mark.parametrize("name,input_hex,output_hex", pairs(SAMPLE_EVERY))
def test_guest_gives_the_vector_output(name, input_hex, output_hex):
    assert run_stateless_guest(bytes.fromhex(input_hex[2:])).hex() == output_hex[2:]


@pytest.mark.slow
@pytest.mark.parametrize("name,input_hex,output_hex", pairs(1))
def test_guest_gives_every_vector_output(name, input_hex, output_hex):
    assert run_stateless_guest(bytes.fromhex(input_hex[2:])).hex() == output_hex[2:]
