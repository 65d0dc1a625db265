"""The diff tool: output fields, input field paths, witness items, headers."""

import dataclasses
import json
import re
from typing import Any

import pytest
from eth_hash.auto import keccak

from guest import run_stateless_guest
from guest.cli import main
from guest.errors import Phase
from guest.host.diff import diff, diff_inputs, diff_outputs, render
from guest.host.mutators import CATALOGUE, MutationNotApplicable
from guest.schema import (
    ProtocolFork,
    StatelessInput,
    StatelessValidationResult,
    deserialize_stateless_input,
    serialize_stateless_input,
    serialize_stateless_output,
)
from tests.factories import sample_input
from tests.test_mutators import REGULAR_NAMES, account_trie, synthetic_input

ROOT = bytes(range(32))


def output(root: bytes = ROOT, success: bool = True, chain_id: int = 1) -> bytes:
    return serialize_stateless_output(
        StatelessValidationResult(root, success, chain_id, 0x1501)
    )


def resolve(value: Any, path: str) -> Any:
    """Follow a report path such as ``a.b[3].c`` through decoded values."""
    for name, index in re.findall(r"\.?([a-z_]+)|\[(\d+)\]", path):
        if name:
            value = getattr(value, name)
        else:
            items = value
            value = items[int(index)] if int(index) < len(items) else None
    return value


# Outputs.


def test_outputs_show_each_differing_field() -> None:
    report = diff_outputs(output(), output(success=False, chain_id=7))
    assert not report["identical"]
    differing = {
        item["field"]: (item["a"], item["b"]) for item in report["differences"]
    }
    assert differing == {"successful_validation": ("1", "0"), "chain_id": ("1", "7")}
    assert set(report["same"]) == {"new_payload_request_root", "schema_id"}
    text = render(report)
    assert "successful_validation differs:" in text and "chain_id differs:" in text


def test_identical_outputs() -> None:
    report = diff_outputs(output(), output())
    assert report["identical"] and not report["differences"]
    assert report["same"]["schema_id"] == "0x1501"


def test_root_difference_shows_both_roots() -> None:
    other = bytes(32)
    report = diff(output(), output(root=other))
    (difference,) = report["differences"]
    assert difference == {
        "field": "new_payload_request_root",
        "a": "0x" + ROOT.hex(),
        "b": "0x" + other.hex(),
    }


# Inputs: every mutator's pair is pinpointed.


@pytest.mark.parametrize("name", REGULAR_NAMES)
def test_diff_pinpoints_each_mutation(name: str) -> None:
    original = synthetic_input()
    try:
        mutated = CATALOGUE[name](original)
    except MutationNotApplicable:
        pytest.skip(f"{name} does not apply to the synthetic input")
    report = diff_inputs(original, mutated)
    assert not report["identical"]
    try:
        after = deserialize_stateless_input(mutated)
    except Exception:
        assert "decode_error" in report["b"] and "decode_error" not in report["a"]
        first = report["first_difference"]
        position = int(first["path"].removeprefix("byte "))
        assert original[:position] == mutated[:position]
        return
    before = deserialize_stateless_input(original)
    check_request_fields(report, before, after)
    check_witness_items(report, before, after, "state")
    check_witness_items(report, before, after, "codes")
    differing_headers = [
        index
        for index in range(max(len(before.witness.headers), len(after.witness.headers)))
        if resolve(before, f"witness.headers[{index}]")
        != resolve(after, f"witness.headers[{index}]")
    ]
    assert [item["index"] for item in report["headers"]] == differing_headers


def check_request_fields(
    report: dict[str, Any], before: StatelessInput, after: StatelessInput
) -> None:
    unchanged = (
        before.new_payload_request == after.new_payload_request
        and before.chain_id == after.chain_id
    )
    first = report["first_difference"]
    if unchanged:
        assert first is None
        return
    assert first is not None
    assert resolve(before, first["path"]) != resolve(after, first["path"])
    for difference in report["field_differences"]:
        path = difference["path"]
        assert resolve(before, path) != resolve(after, path), path


def check_witness_items(
    report: dict[str, Any], before: StatelessInput, after: StatelessInput, name: str
) -> None:
    items_before = getattr(before.witness, name)
    items_after = getattr(after.witness, name)
    section = report[name]
    assert section["same_list"] == (items_before == items_after)
    only_a = {keccak(item) for item in items_before} - {
        keccak(item) for item in items_after
    }
    only_b = {keccak(item) for item in items_after} - {
        keccak(item) for item in items_before
    }
    assert {bytes.fromhex(item["hash"][2:]) for item in section["only_in_a"]} == only_a
    assert {bytes.fromhex(item["hash"][2:]) for item in section["only_in_b"]} == only_b


# Trie paths of missing witness items.


def removed(spec_items: list[bytes], name: str) -> dict[str, Any]:
    original = synthetic_input()
    decoded = deserialize_stateless_input(original)
    witness = decoded.witness
    kept = tuple(item for item in getattr(witness, name) if item not in spec_items)
    changed = StatelessInput(
        decoded.new_payload_request,
        type(witness)(**{**witness.__dict__, name: kept}),
        decoded.chain_id,
        decoded.schema_id,
    )
    report = diff_inputs(original, serialize_stateless_input(changed))
    (item,) = report[name]["only_in_a"]
    return dict(item)


def test_missing_root_node_is_placed_at_the_account_trie_root() -> None:
    state_root, nodes, _ = account_trie()
    root_node = next(node for node in nodes if keccak(node) == state_root)
    assert removed([root_node], "state")["needed_at"] == "account trie, path (root)"


def test_missing_storage_node_is_placed_in_its_account_storage_trie() -> None:
    _, nodes, _ = account_trie()
    contract_key = "0x" + keccak(b"\x01" * 20).hex()
    places = []
    for node in nodes:
        places.append(removed([node], "state")["needed_at"])
    assert any(
        place.startswith(f"storage trie of the account at key {contract_key}")
        for place in places
    )
    account_places = [place for place in places if place.startswith("account trie")]
    assert "account trie, path (root)" in account_places


def test_missing_code_is_placed_at_its_account() -> None:
    _, _, codes = account_trie()
    contract_key = "0x" + keccak(b"\x01" * 20).hex()
    assert removed([codes[0]], "codes")["needed_at"] == (
        f"code of the account at key {contract_key}"
    )
    assert "not reached" in removed([codes[1]], "codes")["needed_at"]


# Headers.


def test_header_differences_show_number_and_hash() -> None:
    original = synthetic_input()
    parent = deserialize_stateless_input(original).witness.headers[-1]
    report = diff_inputs(original, CATALOGUE["remove_parent_header"](original))
    (difference,) = report["headers"]
    assert difference["index"] == 1
    assert difference["a"]["number"] == 10
    assert difference["a"]["hash"] == "0x" + keccak(parent).hex()
    assert difference["b"] is None
    replaced = diff_inputs(original, CATALOGUE["replace_header_with_0xff"](original))
    assert replaced["headers"][0]["b"]["number"] is None
    assert "#10" in render(report)


# Explanations.


def test_input_against_a_disagreeing_output_is_explained() -> None:
    input_bytes = synthetic_input()
    ours = run_stateless_guest(input_bytes)
    theirs = ours[:32] + bytes([ours[32] ^ 1]) + ours[33:]
    report = diff(input_bytes, theirs, explain_inputs=True)
    assert report["kind"] == "input and output"
    assert [item["field"] for item in report["differences"]] == [
        "successful_validation"
    ]
    explanation = report["explanation"]
    assert explanation["output"] == "0x" + ours.hex()
    if explanation["status"] == "invalid":
        assert explanation["phase"] in {phase.value for phase in Phase}
        assert explanation["reason"].split(".")[0].endswith("Exception")
    text = render(report)
    assert "our verdict:" in text


def test_undecodable_input_is_explained_in_the_decode_phase() -> None:
    broken = CATALOGUE["oversized_code"](synthetic_input())
    report = diff(bytes(43), broken, explain_inputs=True)
    assert report["identical"]
    assert report["explanation"]["phase"] == "decode"
    assert "65537 bytes" in report["explanation"]["reason"]


# Command line.


def test_cli_text_and_json(tmp_path: Any, capsys: Any) -> None:
    a = tmp_path / "a.bin"
    b = tmp_path / "b.hex"
    a.write_bytes(synthetic_input())
    b.write_text("0x" + CATALOGUE["corrupt_block_hash"](synthetic_input()).hex())
    assert main(["diff", str(a), str(b)]) == 1
    text = capsys.readouterr().out
    assert "first difference: new_payload_request.execution_payload.block_hash" in text
    assert main(["diff", str(a), str(b), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["first_difference"]["path"] == (
        "new_payload_request.execution_payload.block_hash"
    )
    assert "explanation" not in report
    assert main(["diff", str(a), str(a)]) == 0
    capsys.readouterr()
    out = tmp_path / "out.bin"
    out.write_bytes(run_stateless_guest(synthetic_input()))
    assert main(["diff", str(a), str(out), "--explain"]) == 0
    assert "our verdict:" in capsys.readouterr().out


def test_long_values_are_shown_from_their_first_difference() -> None:
    original = synthetic_input()
    decoded = deserialize_stateless_input(original)
    payload = decoded.new_payload_request.execution_payload
    assert payload.block_access_list is not None
    changed_list = payload.block_access_list[:-1] + b"\x00"
    changed = dataclasses.replace(
        decoded,
        new_payload_request=dataclasses.replace(
            decoded.new_payload_request,
            execution_payload=dataclasses.replace(
                payload, block_access_list=changed_list
            ),
        ),
    )
    report = diff_inputs(original, serialize_stateless_input(changed))
    first = report["first_difference"]
    assert first["path"] == "new_payload_request.execution_payload.block_access_list"
    position = len(changed_list) - 1
    assert first["a"].startswith(
        f"(from byte {position}) 0x{payload.block_access_list[-1:].hex()}"
    )
    assert first["b"].startswith(f"(from byte {position}) 0x00")


def test_inputs_of_two_forks() -> None:
    prague = serialize_stateless_input(sample_input(ProtocolFork.Prague))
    amsterdam = serialize_stateless_input(sample_input(ProtocolFork.Amsterdam))
    report = diff_inputs(prague, amsterdam)
    paths = {item["path"]: item for item in report["field_differences"]}
    assert paths["new_payload_request.execution_payload.slot_number"]["a"] == "(absent)"
    assert paths["schema_id"]["a"] == "0x1101 (Prague)"
    assert paths["schema_id"]["b"] == "0x1501 (Amsterdam)"
    assert report["a"]["schema_id"] == "0x1101 (Prague)"
