"""EEST blockchain tests turned into chained stateless inputs (guest.host.eest)."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils import keccak

from guest.host.builder import replay_with_py_evm
from guest.host.eest import (
    DRAFT_HISTORY_STORAGE_ADDRESS,
    BuiltBlock,
    fork_at,
    iter_blockchain_test_blocks,
)
from guest.schema import ProtocolFork, deserialize_stateless_input
from guest.stateless_guest import run_stateless_guest_with_verdict
from tests.eest_files import BLOCKCHAIN_ARCHIVE, REPRESENTATIVE_BLOCKCHAIN_FILES, unpack

logging.getLogger("eth").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module")
def representative_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    directory = tmp_path_factory.mktemp("eest")
    return unpack(BLOCKCHAIN_ARCHIVE, directory, REPRESENTATIVE_BLOCKCHAIN_FILES)


def built_blocks(files: list[Path]) -> Iterator[tuple[dict, BuiltBlock]]:
    for file in files:
        for name, test in json.loads(file.read_text()).items():
            for block in iter_blockchain_test_blocks(name, test):
                yield test, block


@pytest.fixture(scope="module")
def blocks(representative_files: list[Path]) -> list[tuple[dict, BuiltBlock]]:
    return list(built_blocks(representative_files))


def test_every_representative_file_is_present(representative_files: list[Path]) -> None:
    assert len(representative_files) == len(REPRESENTATIVE_BLOCKCHAIN_FILES)


def test_each_fixture_block_gives_one_built_block(
    representative_files: list[Path], blocks: list[tuple[dict, BuiltBlock]]
) -> None:
    expected = sum(
        len(test.get("blocks") or test.get("engineNewPayloads"))
        for file in representative_files
        for test in json.loads(file.read_text()).values()
    )
    assert len(blocks) == expected


def test_skips_carry_reasons_and_cover_the_known_cases(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    skipped = [(test, block) for test, block in blocks if block.input_bytes is None]
    assert all(block.skip_reason for _, block in skipped)
    premerge = [t for t, _ in skipped if t["network"] in ("London", "Berlin")]
    draft = [
        t
        for t, _ in skipped
        if DRAFT_HISTORY_STORAGE_ADDRESS in map(str.lower, t["pre"])
    ]
    assert premerge and draft
    for test, block in skipped:
        if test["network"] in ("London", "Berlin"):
            assert "Paris" in block.skip_reason
        if test in draft:
            assert "EIP-2935" in block.skip_reason


def test_inputs_decode_and_chain_to_their_parent(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    built = [block for _, block in blocks if block.input_bytes is not None]
    assert len(built) > 40
    for block in built:
        stateless_input = deserialize_stateless_input(block.input_bytes)
        witness = stateless_input.witness
        payload = stateless_input.new_payload_request.execution_payload
        assert keccak(witness.headers[-1]) == payload.parent_hash
        assert list(witness.state) == sorted(set(witness.state))
        assert list(witness.codes) == sorted(set(witness.codes))
        assert payload.block_hash == block.block_hash


def test_valid_blocks_replay_on_the_witness_alone(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    valid = [b for _, b in blocks if b.input_bytes is not None and b.expect_valid]
    assert valid
    for block in valid:
        stateless_input = deserialize_stateless_input(block.input_bytes)
        assert block.built is not None
        error = replay_with_py_evm(
            block.built, stateless_input.fork, stateless_input.chain_id
        )
        assert error is None, f"{block.name}: {error}"


def test_invalid_blocks_are_refused_by_the_host_import(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    invalid = [b for _, b in blocks if b.input_bytes is not None and not b.expect_valid]
    assert len(invalid) >= 5
    for block in invalid:
        assert block.expect_exceptions
        assert block.host_execution_error is not None, block.name


def test_last_valid_block_carries_the_fixture_final_state(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    last = [b for _, b in blocks if b.is_last_valid and b.input_bytes is not None]
    assert last
    for block in last:
        assert block.expected_post_state_root == block.post_state_root, block.name
        assert block.expected_last_block_hash == block.block_hash, block.name


def test_engine_layout_uses_the_request_as_sent(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    engine = [
        (test, block)
        for test, block in blocks
        if "engineNewPayloads" in test and block.input_bytes is not None
    ]
    assert engine
    for test, block in engine:
        index = int(block.name.rsplit("block", 1)[1]) - 1
        params = test["engineNewPayloads"][index]["params"]
        request = deserialize_stateless_input(block.input_bytes).new_payload_request
        sent_hash = bytes.fromhex(params[0]["blockHash"][2:])
        assert request.execution_payload.block_hash == sent_hash
        if len(params) > 1:
            sent = tuple(bytes.fromhex(h[2:]) for h in params[1])
            assert request.versioned_hashes == sent


def test_transition_networks_switch_fork_at_timestamp_15k() -> None:
    assert fork_at("ShanghaiToCancunAtTime15k", 14_999) == ProtocolFork.Shanghai
    assert fork_at("ShanghaiToCancunAtTime15k", 15_000) == ProtocolFork.Cancun
    assert fork_at("CancunToPragueAtTime15k", 15_000) == ProtocolFork.Prague
    assert fork_at("Paris", 10**9) == ProtocolFork.Paris


def test_judge_grades_validity_and_exception_names(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    refused = next(b for _, b in blocks if b.input_bytes and not b.expect_valid)
    accepted = next(b for _, b in blocks if b.input_bytes and b.expect_valid)
    verdict = run_stateless_guest_with_verdict(refused.input_bytes)
    if verdict.result.successful_validation:
        assert refused.judge(verdict) == "invalid block accepted"
    elif verdict.refusal and verdict.refusal.reason not in refused.expect_exceptions:
        assert "expected" in refused.judge(verdict)
    else:
        assert refused.judge(verdict) is None
    undecodable = run_stateless_guest_with_verdict(b"\x00")
    assert "refused" in accepted.judge(undecodable)


def guest_is_implemented() -> bool:
    from guest.stateless import validate_stateless_input

    try:
        validate_stateless_input.__code__.co_names.index("EXECUTION_NOT_IMPLEMENTED")
    except ValueError:
        return True
    return False


def test_guest_passes_the_representative_blocks(
    blocks: list[tuple[dict, BuiltBlock]],
) -> None:
    if not guest_is_implemented():
        pytest.skip("the guest pipeline does not execute blocks yet")
    failures = []
    for _, block in blocks:
        if block.input_bytes is None:
            continue
        problem = block.judge(run_stateless_guest_with_verdict(block.input_bytes))
        if problem is not None:
            failures.append(f"{block.name}: {problem}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.slow
def test_full_archive_through_the_guest(tmp_path: Path) -> None:
    files = unpack(BLOCKCHAIN_ARCHIVE, tmp_path)
    failures = []
    for _, block in built_blocks(files):
        if block.input_bytes is None:
            continue
        problem = block.judge(run_stateless_guest_with_verdict(block.input_bytes))
        if problem is not None:
            failures.append(f"{block.name}: {problem}")
    assert not failures, f"{len(failures)} failures, e.g.\n" + "\n".join(failures[:20])
