"""The bytes-in, bytes-out program against upstream vectors and arbitrary bytes."""

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guest import run_stateless_guest, run_stateless_guest_with_verdict
from guest.schema import (
    STATELESS_VALIDATION_RESULT_SIZE,
    ExecutionWitness,
    ProtocolFork,
    deserialize_stateless_output,
    serialize_stateless_input,
)
from tests.conftest import MULTIFORK_ROOTS, UPSTREAM_VECTORS, shared_file
from tests.factories import sample_input

ZERO_OUTPUT = bytes(STATELESS_VALIDATION_RESULT_SIZE)


def upstream_cases() -> list[dict[str, str]]:
    if not UPSTREAM_VECTORS.exists():
        return []
    return json.loads(UPSTREAM_VECTORS.read_text())["cases"]


def case_id(case: dict[str, str]) -> str:
    return case["rule"] + ":" + case["name"].rsplit("::", 1)[-1][:60]


@pytest.fixture(scope="module")
def upstream() -> list[dict[str, str]]:
    shared_file(UPSTREAM_VECTORS)
    return upstream_cases()


def unhex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def test_upstream_vectors_present(upstream):
    assert len(upstream) == 25


@pytest.mark.parametrize("index", range(25))
def test_upstream_vector_root_chain_id_and_schema(upstream, index):
    """Every field that does not depend on executing the block matches."""
    case = upstream[index]
    expected = unhex(case["statelessOutputBytes"])
    verdict = run_stateless_guest_with_verdict(unhex(case["statelessInputBytes"]))
    assert len(verdict.output) == STATELESS_VALIDATION_RESULT_SIZE
    if case["rule"] == "undecodable":
        assert verdict.output == expected == ZERO_OUTPUT
        assert verdict.status == "undecodable"
        return
    ours = deserialize_stateless_output(verdict.output)
    theirs = deserialize_stateless_output(expected)
    assert ours.new_payload_request_root == theirs.new_payload_request_root
    assert ours.chain_id == theirs.chain_id
    assert ours.schema_id == theirs.schema_id == 0x1501
    if case["rule"] != "valid":
        assert verdict.output == expected
        assert verdict.refusal is not None


@pytest.mark.parametrize("index", range(25))
def test_upstream_vector_exact_output(upstream, index):
    """The whole output matches byte for byte."""
    case = upstream[index]
    verdict = run_stateless_guest_with_verdict(unhex(case["statelessInputBytes"]))
    assert verdict.output == unhex(case["statelessOutputBytes"]), verdict.describe()


def multifork_lines() -> list[tuple[str, str, str]]:
    if not MULTIFORK_ROOTS.exists():
        return []
    return [
        tuple(line.split())  # type: ignore[misc]
        for line in MULTIFORK_ROOTS.read_text().splitlines()
        if line and not line.startswith("#")
    ]


def test_multifork_root_lines():
    shared_file(MULTIFORK_ROOTS)
    lines = multifork_lines()
    assert len(lines) == 29
    for name, root, hex_input in lines:
        data = bytes.fromhex(hex_input)
        output = run_stateless_guest(data)
        if root == "reject":
            assert output == ZERO_OUTPUT, name
            continue
        result = deserialize_stateless_output(output)
        assert result.new_payload_request_root.hex() == root, name
        assert result.schema_id == int.from_bytes(data[:2], "big"), name
        chain_id = int.from_bytes(data[2 + 8 : 2 + 16], "little")
        assert result.chain_id == chain_id, name


@pytest.mark.parametrize("fork", list(ProtocolFork))
def test_no_block_is_valid_without_a_parent_header(fork):
    output = run_stateless_guest(serialize_stateless_input(sample_input(fork)))
    assert deserialize_stateless_output(output).successful_validation is False


@pytest.mark.parametrize("chain_id", [0, 1, 2**64 - 1])
def test_chain_id_is_echoed(chain_id):
    data = serialize_stateless_input(sample_input(chain_id=chain_id))
    assert deserialize_stateless_output(run_stateless_guest(data)).chain_id == chain_id


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data):
    output = run_stateless_guest(data)
    assert len(output) == STATELESS_VALIDATION_RESULT_SIZE


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fork=st.sampled_from(list(ProtocolFork)),
    position=st.integers(min_value=0),
    value=st.integers(min_value=0, max_value=255),
    cut=st.integers(min_value=0, max_value=64),
)
def test_mutated_inputs_never_raise(fork, position, value, cut):
    witness = ExecutionWitness(state=(b"\xc0",), codes=(b"\x60\x00",), headers=(b"",))
    data = bytearray(
        serialize_stateless_input(replace(sample_input(fork), witness=witness))
    )
    data[position % len(data)] = value
    mutated = bytes(data[: len(data) - cut])
    output = run_stateless_guest(mutated)
    assert len(output) == STATELESS_VALIDATION_RESULT_SIZE
    result = deserialize_stateless_output(output)
    if result.schema_id == 0:
        assert output == ZERO_OUTPUT
    else:
        assert result.schema_id == int.from_bytes(mutated[:2], "big")
