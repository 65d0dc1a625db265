"""Invalid-input mutators: expectation classes, composition, byte-exactness."""

import dataclasses
import json
import re
from functools import cache
from typing import Any

import pytest
import rlp
from eth_hash.auto import keccak
from trie import HexaryTrie

from guest import run_stateless_guest
from guest.cli import main
from guest.errors import UndecodableInput
from guest.host.mutators import (
    CATALOGUE,
    FAMILIES,
    Expectation,
    MutationNotApplicable,
    apply_mutations,
    catalogue_markdown,
    combined_expectation,
    expectation_problem,
    invalid_input_cases,
    layout,
    replace_span,
    resolve_mutation,
    span_at,
)
from guest.schema import (
    ExecutionWitness,
    ProtocolFork,
    StatelessInput,
    compute_new_payload_request_root,
    deserialize_stateless_input,
    serialize_stateless_input,
)
from tests.conftest import REPOSITORY, UPSTREAM_VECTORS
from tests.factories import sample_input

OUTPUT_SIZE = 43
SENTINEL = bytes(OUTPUT_SIZE)
EMPTY_TRIE_ROOT = keccak(rlp.encode(b""))
EMPTY_CODE_HASH = keccak(b"")
UPSTREAM_PER_MUTATION = 1
"""Upstream vectors each mutation is checked on by default (all with -m slow)."""

EEST_NAMES = (
    "empty_input_bytes",
    "incomplete_schema_id",
    "unsupported_schema_revision",
    "unsupported_schema_fork",
    "missing_ssz_body",
    "truncated_ssz_body",
    "invalid_first_ssz_offset",
    "shifted_ssz_offsets",
    "header_at_size_limit",
    "header_over_size_limit",
    "remove_parent_header",
    "remove_oldest_header",
    "reverse_headers",
    "replace_header_with_0xff",
    "clear_headers",
    "remove_state_root_node",
    "add_unused_state_node",
    "reverse_state_nodes",
    "duplicate_state_node",
    "remove_code",
    "add_unused_code",
    "reverse_codes",
    "duplicate_code",
    "change_chain_id",
    "chain_id_zero",
    "chain_id_max",
    "reorder_versioned_hashes",
    "add_versioned_hash",
    "remove_versioned_hash",
    "add_empty_transaction",
    "corrupt_block_hash",
    "oversized_state_node",
    "oversized_code",
    "oversized_extra_data",
    "too_many_headers",
)
"""Mutations that guest-io.md section 6 asks for by name or by content."""


# Inputs.


def header(parent_hash: bytes, state_root: bytes, number: int) -> bytes:
    """Encode a header-shaped RLP list: parent hash, state root, number."""
    fields: list[Any] = [b"\x00" * 32] * 15
    fields[0] = parent_hash
    fields[3] = state_root
    fields[8] = number
    return rlp.encode(fields)


def account_trie() -> tuple[bytes, tuple[bytes, ...], tuple[bytes, ...]]:
    """Build a small real state: accounts, one contract with code and storage."""
    code = bytes.fromhex("60016000556000546001")
    storage_db: dict[bytes, bytes] = {}
    storage = HexaryTrie(storage_db, prune=True)
    for slot in range(3):
        storage[keccak(slot.to_bytes(32, "big"))] = rlp.encode(slot + 1)
    state_db: dict[bytes, bytes] = {}
    state = HexaryTrie(state_db, prune=True)
    for index in range(4):
        address = bytes([index + 1]) * 20
        is_contract = index == 0
        state[keccak(address)] = rlp.encode(
            [
                index,
                10**18,
                storage.root_hash if is_contract else EMPTY_TRIE_ROOT,
                keccak(code) if is_contract else EMPTY_CODE_HASH,
            ]
        )
    nodes = tuple(sorted(state_db.values()) + sorted(storage_db.values()))
    return state.root_hash, nodes, (code, bytes.fromhex("6000"))


VERSIONED_HASHES = (b"\x01" + b"\x0a" * 31, b"\x01" + b"\x0b" * 31)


def chain_bound_transaction() -> bytes:
    """Return a typed (fee-market) transaction, which carries chain id 1."""
    return b"\x02" + rlp.encode([1, 0, 1, 2, 21000, b"\x11" * 20, 0, b"", []])


def blob_transaction() -> bytes:
    """Return a blob transaction carrying the two versioned hashes."""
    fields = [1, 1, 1, 2, 21000, b"\x11" * 20, 0, b"", [], 1, list(VERSIONED_HASHES)]
    return b"\x03" + rlp.encode(fields + [0, 1, 2])


@cache
def synthetic_input() -> bytes:
    """Return an Amsterdam input with every list long enough for every mutation."""
    state_root, nodes, codes = account_trie()
    grandparent = header(b"\x00" * 32, state_root, 9)
    parent = header(keccak(grandparent), state_root, 10)
    base = sample_input(
        ProtocolFork.Amsterdam,
        ExecutionWitness(state=nodes, codes=codes, headers=(grandparent, parent)),
    )
    request = base.new_payload_request
    payload = dataclasses.replace(
        request.execution_payload,
        transactions=request.execution_payload.transactions
        + (chain_bound_transaction(), blob_transaction()),
    )
    request = dataclasses.replace(
        request, execution_payload=payload, versioned_hashes=VERSIONED_HASHES
    )
    return serialize_stateless_input(
        dataclasses.replace(base, new_payload_request=request)
    )


@cache
def upstream_cases() -> tuple[dict[str, Any], ...]:
    """Return the upstream cases, or none when ../shared is absent."""
    if not UPSTREAM_VECTORS.exists():
        return ()
    return tuple(json.loads(UPSTREAM_VECTORS.read_text())["cases"])


def hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:])


@cache
def decodable_upstream_inputs() -> tuple[tuple[bytes, bytes], ...]:
    """Return (input, recorded output) of every decodable case, valid ones first."""
    decodable = [case for case in upstream_cases() if case["rule"] != "undecodable"]
    decodable.sort(key=lambda case: case["rule"] != "valid")
    return tuple(
        (
            hex_bytes(case["statelessInputBytes"]),
            hex_bytes(case["statelessOutputBytes"]),
        )
        for case in decodable
    )


def inputs_for(name: str, limit: int | None) -> list[tuple[bytes, bytes | None]]:
    """Pick inputs a mutation applies to: the synthetic one, then upstream ones."""
    mutation = resolve_mutation(name)
    picked: list[tuple[bytes, bytes | None]] = [(synthetic_input(), None)]
    for input_bytes, recorded in decodable_upstream_inputs():
        if limit is not None and len(picked) > limit:
            break
        try:
            mutation(input_bytes)
        except MutationNotApplicable:
            continue
        picked.append((input_bytes, recorded))
    return picked


# Output checks, written from the spec's rules.


@cache
def reference_output(input_bytes: bytes) -> bytes:
    """Run the guest once per unmutated input."""
    return run_stateless_guest(input_bytes)


def output_root(output: bytes) -> bytes:
    return output[:32]


def output_success(output: bytes) -> int:
    return output[32]


def output_chain_id(output: bytes) -> int:
    return int.from_bytes(output[33:41], "little")


def output_schema_id(output: bytes) -> bytes:
    return output[41:43]


def check_expectation(
    name: str, input_bytes: bytes, recorded_output: bytes | None
) -> bool:
    """Assert the mutation's expectation on one input; False if not applicable."""
    mutation = resolve_mutation(name)
    try:
        mutated = mutation(input_bytes)
    except MutationNotApplicable:
        return False
    output = run_stateless_guest(mutated)
    original_output = reference_output(input_bytes)
    assert len(output) == OUTPUT_SIZE
    if mutation.expectation is Expectation.UNDECODABLE:
        assert output == SENTINEL
        with pytest.raises(UndecodableInput):
            deserialize_stateless_input(mutated)
        return True
    if mutation.expectation is Expectation.STILL_VALID:
        assert output == original_output
        if recorded_output is not None:
            assert output_root(output) == output_root(recorded_output)
        return True
    before = deserialize_stateless_input(input_bytes)
    after = deserialize_stateless_input(mutated)
    assert output_success(output) == 0
    assert output_chain_id(output) == after.chain_id
    assert output_schema_id(output) == mutated[1::-1]
    if after.new_payload_request == before.new_payload_request:
        expected_root = output_root(recorded_output or original_output)
    else:
        expected_root = compute_new_payload_request_root(after)
        assert expected_root != output_root(original_output)
    assert output_root(output) == expected_root
    return True


REGULAR_NAMES = [
    name for name in CATALOGUE if not name.startswith("unsupported_schema_fork_0x")
]


@pytest.mark.parametrize("name", REGULAR_NAMES)
def test_mutation_gives_its_expectation_class(name: str) -> None:
    checked = [
        check_expectation(name, input_bytes, recorded)
        for input_bytes, recorded in inputs_for(name, UPSTREAM_PER_MUTATION)
    ]
    assert any(checked), f"{name} applies to no test input"


@pytest.mark.slow
@pytest.mark.parametrize("name", REGULAR_NAMES)
def test_mutation_expectation_on_every_upstream_vector(name: str) -> None:
    if not upstream_cases():
        pytest.skip("../shared/vectors/upstream-v21 is absent")
    for input_bytes, recorded in inputs_for(name, None):
        check_expectation(name, input_bytes, recorded)


def test_every_unsupported_fork_byte_gives_the_sentinel() -> None:
    supported = {int(fork) for fork in ProtocolFork}
    input_bytes = synthetic_input()
    covered = set()
    for fork_byte in range(256):
        if fork_byte in supported:
            continue
        name = f"unsupported_schema_fork_0x{fork_byte:02x}"
        if fork_byte == 0x16:
            name = "unsupported_schema_fork"
        mutated = resolve_mutation(name)(input_bytes)
        assert mutated[0] == fork_byte and mutated[1:] == input_bytes[1:]
        assert run_stateless_guest(mutated) == SENTINEL
        covered.add(fork_byte)
    assert len(covered) == 256 - len(supported)


# The catalogue.


def test_catalogue_has_the_spec_mutations() -> None:
    missing = [name for name in EEST_NAMES if name not in CATALOGUE]
    assert not missing


def test_catalogue_covers_every_offset_and_ragged_tail() -> None:
    containers = {
        "stateless_input": ("new_payload_request", "witness"),
        "new_payload_request": (
            "execution_payload",
            "versioned_hashes",
            "execution_requests",
        ),
        "execution_payload": (
            "extra_data",
            "transactions",
            "withdrawals",
            "block_access_list",
        ),
        "witness": ("state", "codes", "headers"),
        "execution_requests": (
            "deposits",
            "withdrawals",
            "consolidations",
            "builder_deposits",
            "builder_exits",
        ),
    }
    for container, fields in containers.items():
        assert f"{container}_offset_gap" in CATALOGUE
        for field in fields:
            assert f"{container}_{field}_offset_out_of_range" in CATALOGUE
            assert f"{container}_{field}_offset_decreasing" in CATALOGUE
    for tail in (
        "execution_payload_withdrawals",
        "new_payload_request_versioned_hashes",
        "execution_requests_deposits",
    ):
        assert f"{tail}_partial_item" in CATALOGUE


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_mutation_is_documented(name: str) -> None:
    mutation = CATALOGUE[name]
    assert re.fullmatch(r"[a-z0-9_]+", mutation.name)
    assert mutation.name == name
    assert isinstance(mutation.expectation, Expectation)
    description = mutation.description
    assert "\n" not in description and description.endswith(".")
    first_word = description.split()[0]
    assert first_word[0].isupper() and not first_word.endswith("s"), description


def test_spec_page_lists_the_catalogue() -> None:
    page = (REPOSITORY / "spec" / "mutators.md").read_text()
    assert catalogue_markdown() in page


# Byte-exactness against the upstream invalid-input cases.


def upstream_case(suffix: str) -> dict[str, Any]:
    for case in upstream_cases():
        if case["name"].endswith(f"-{suffix}]/blocks[0]"):
            return case
    pytest.skip(f"no upstream case for {suffix} (../shared absent?)")


@pytest.mark.parametrize(
    "name",
    [
        "empty_input_bytes",
        "incomplete_schema_id",
        "unsupported_schema_revision",
        "missing_ssz_body",
        "truncated_ssz_body",
        "invalid_first_ssz_offset",
    ],
)
def test_schema_mutations_match_the_upstream_bytes(name: str) -> None:
    # The upstream unsupported_schema_fork case is the EEST source input with
    # its first byte changed; restoring that byte gives the source back.
    fork_case = hex_bytes(
        upstream_case("unsupported_schema_fork")["statelessInputBytes"]
    )
    source = b"\x15" + fork_case[1:]
    assert resolve_mutation("unsupported_schema_fork")(source) == fork_case
    case = upstream_case(name)
    assert resolve_mutation(name)(source) == hex_bytes(case["statelessInputBytes"])
    assert run_stateless_guest(resolve_mutation(name)(source)) == hex_bytes(
        case["statelessOutputBytes"]
    )


# Composition, families, applicability.


def test_mutations_compose_in_order() -> None:
    input_bytes = synthetic_input()
    names = ["remove_parent_header", "reverse_state_nodes", "add_unused_code"]
    expected = input_bytes
    for name in names:
        expected = CATALOGUE[name](expected)
    assert apply_mutations(input_bytes, names) == expected
    decoded = deserialize_stateless_input(expected)
    original = deserialize_stateless_input(input_bytes)
    assert decoded.witness.headers == original.witness.headers[:-1]
    assert decoded.witness.state == original.witness.state[::-1]
    assert combined_expectation([CATALOGUE[name] for name in names]) is (
        Expectation.REFUSED
    )
    assert combined_expectation(
        [CATALOGUE["reverse_codes"], CATALOGUE["oversized_code"]]
    ) is (Expectation.UNDECODABLE)
    assert combined_expectation([CATALOGUE["reverse_codes"]]) is (
        Expectation.STILL_VALID
    )


def test_structural_mutation_of_undecodable_input_is_not_applicable() -> None:
    broken = CATALOGUE["invalid_first_ssz_offset"](synthetic_input())
    with pytest.raises(MutationNotApplicable):
        CATALOGUE["reverse_state_nodes"](broken)
    with pytest.raises(MutationNotApplicable):
        apply_mutations(synthetic_input(), ["oversized_code", "reverse_codes"])


def test_no_op_mutation_is_not_applicable() -> None:
    one_header = serialize_stateless_input(
        sample_input(ProtocolFork.Amsterdam, ExecutionWitness((), (), (b"\xc0",)))
    )
    with pytest.raises(MutationNotApplicable):
        CATALOGUE["reverse_headers"](one_header)
    with pytest.raises(MutationNotApplicable):
        CATALOGUE["duplicate_code"](one_header)


def test_chain_id_mutations_need_a_chain_bound_transaction() -> None:
    unbound = serialize_stateless_input(sample_input(ProtocolFork.Amsterdam))
    with pytest.raises(MutationNotApplicable):
        CATALOGUE["change_chain_id"](unbound)
    for name, chain_id in (
        ("change_chain_id", 2),
        ("chain_id_zero", 0),
        ("chain_id_max", 2**64 - 1),
    ):
        mutated = CATALOGUE[name](synthetic_input())
        assert deserialize_stateless_input(mutated).chain_id == chain_id


def test_versioned_hash_mutations_need_a_fork_with_blobs() -> None:
    paris = serialize_stateless_input(sample_input(ProtocolFork.Paris))
    with pytest.raises(MutationNotApplicable):
        CATALOGUE["add_versioned_hash"](paris)


def test_versioned_hash_removal_needs_hashes_that_match_the_blobs() -> None:
    # sample_input has a versioned hash but no blob transaction: removing the
    # hash could make such a block valid, so the mutation does not apply.
    unmatched = serialize_stateless_input(sample_input(ProtocolFork.Amsterdam))
    for name in ("remove_versioned_hash", "reorder_versioned_hashes"):
        with pytest.raises(MutationNotApplicable):
            CATALOGUE[name](unmatched)
    mutated = CATALOGUE["remove_versioned_hash"](synthetic_input())
    hashes = deserialize_stateless_input(mutated).new_payload_request.versioned_hashes
    assert hashes == VERSIONED_HASHES[:1]


def test_chain_id_mutation_needs_a_transaction_bound_elsewhere() -> None:
    # The synthetic fee-market transaction is bound to chain id 1.
    with pytest.raises(MutationNotApplicable):
        resolve_mutation("set_chain_id:1")(
            CATALOGUE["change_chain_id"](synthetic_input())
        )


def test_families() -> None:
    input_bytes = synthetic_input()
    original = deserialize_stateless_input(input_bytes)
    node = original.witness.state[2]

    def decoded(spec: str) -> StatelessInput:
        return deserialize_stateless_input(resolve_mutation(spec)(input_bytes))

    assert decoded("remove_header_at:0").witness.headers == original.witness.headers[1:]
    assert decoded("replace_header_at:-1").witness.headers[-1] == b"\xff"
    assert (
        node not in decoded(f"remove_state_node:0x{keccak(node).hex()}").witness.state
    )
    assert (
        len(decoded("remove_state_node:1").witness.state)
        == len(original.witness.state) - 1
    )
    assert decoded("remove_code_at:1").witness.codes == original.witness.codes[:1]
    assert decoded("set_chain_id:5").chain_id == 5
    assert set(FAMILIES) >= {"remove_header_at", "remove_state_node", "set_chain_id"}
    with pytest.raises(KeyError):
        resolve_mutation("no_such_mutation")
    with pytest.raises(MutationNotApplicable):
        resolve_mutation("remove_header_at:7")(input_bytes)


# The span map behind the byte-level mutations.


def test_span_map_locates_every_witness_item() -> None:
    input_bytes = synthetic_input()
    decoded = deserialize_stateless_input(input_bytes)
    for name in ("state", "codes", "headers"):
        items = getattr(decoded.witness, name)
        spans = span_at(input_bytes, f"witness.{name}").children
        assert [input_bytes[span.start : span.end] for span in spans] == list(items)
    extra_data = span_at(
        input_bytes, "new_payload_request.execution_payload.extra_data"
    )
    assert (
        input_bytes[extra_data.start : extra_data.end]
        == decoded.new_payload_request.execution_payload.extra_data
    )
    root = layout(input_bytes)
    assert (root.start, root.end) == (2, len(input_bytes))


def test_replace_span_agrees_with_re_encoding() -> None:
    input_bytes = synthetic_input()
    decoded = deserialize_stateless_input(input_bytes)
    for path, value in (
        ("witness.headers[0]", b"\xc1\x80"),
        ("witness.state[1]", b"\x81\x99" * 5),
        ("new_payload_request.execution_payload.extra_data", b""),
    ):
        span = span_at(input_bytes, path)
        assert replace_span(input_bytes, span, input_bytes[span.start : span.end]) == (
            input_bytes
        )
        changed = replace_span(input_bytes, span, value)
        if path.startswith("witness.headers"):
            expected = dataclasses.replace(
                decoded.witness, headers=(value,) + decoded.witness.headers[1:]
            )
            wanted = dataclasses.replace(decoded, witness=expected)
        elif path.startswith("witness.state"):
            state = list(decoded.witness.state)
            state[1] = value
            wanted = dataclasses.replace(
                decoded,
                witness=dataclasses.replace(decoded.witness, state=tuple(state)),
            )
        else:
            payload = dataclasses.replace(
                decoded.new_payload_request.execution_payload, extra_data=value
            )
            wanted = dataclasses.replace(
                decoded,
                new_payload_request=dataclasses.replace(
                    decoded.new_payload_request, execution_payload=payload
                ),
            )
        assert changed == serialize_stateless_input(wanted)


# Vector sets and the expectation check.


def test_invalid_input_cases() -> None:
    names = ["empty_input_bytes", "reverse_headers", "reverse_codes", "clear_headers"]
    single_header = serialize_stateless_input(
        sample_input(ProtocolFork.Amsterdam, ExecutionWitness((), (), (b"\xc0",)))
    )
    cases = invalid_input_cases(
        [("rich", synthetic_input()), ("plain", single_header)], names
    )
    by_name = {case["name"]: case for case in cases}
    assert "rich/empty_input_bytes" in by_name
    assert "plain/empty_input_bytes" not in by_name  # one case is enough
    assert "plain/reverse_headers" not in by_name  # a no-op on one header
    assert "plain/clear_headers" in by_name
    for case in cases:
        assert set(case) == {
            "name",
            "mutation",
            "statelessInputBytes",
            "statelessOutputBytes",
            "expected",
            "reason",
        }
        assert case["expected"] == CATALOGUE[case["mutation"]].expectation.value
        output = run_stateless_guest(hex_bytes(case["statelessInputBytes"]))
        assert case["statelessOutputBytes"] == "0x" + output.hex()
        assert case["reason"]


def test_expectation_problem() -> None:
    input_bytes = synthetic_input()
    original = run_stateless_guest(input_bytes)
    refused = CATALOGUE["clear_headers"](input_bytes)
    refused_output = run_stateless_guest(refused)
    assert (
        expectation_problem(Expectation.REFUSED, original, refused, refused_output)
        is None
    )
    assert expectation_problem(
        Expectation.UNDECODABLE, original, refused, refused_output
    )
    undecodable = CATALOGUE["oversized_code"](input_bytes)
    assert expectation_problem(Expectation.REFUSED, original, undecodable, SENTINEL)
    assert (
        expectation_problem(Expectation.UNDECODABLE, original, undecodable, SENTINEL)
        is None
    )


# Command line.


def test_cli_list(tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(synthetic_input())
    assert main(["mutate", str(path), "--list"]) == 0
    listing = capsys.readouterr().out
    for name in EEST_NAMES:
        assert name in listing
    assert "remove_header_at:ARG" in listing


def test_cli_apply(tmp_path: Any, capsys: Any) -> None:
    source = tmp_path / "input.hex"
    source.write_text("0x" + synthetic_input().hex())
    target = tmp_path / "mutated.bin"
    names = "clear_headers,reverse_state_nodes"
    assert main(["mutate", str(source), "--apply", names, "-o", str(target)]) == 0
    report = capsys.readouterr().out
    mutated = target.read_bytes()
    assert mutated == apply_mutations(synthetic_input(), names.split(","))
    assert f"expected output: 0x{run_stateless_guest(mutated).hex()}" in report
    assert "expectation: refused" in report
    assert "verdict: invalid" in report
    assert main(["mutate", str(source), "--apply", "no_such_mutation"]) == 1
