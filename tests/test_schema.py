"""Schema and strict codec: reference roots, round trips, decoding rules."""

import hashlib
from dataclasses import replace

import pytest
from ssz.exceptions import DeserializationError, SerializationError
from ssz.sedes import ByteVector

from guest import run_stateless_guest
from guest.errors import UndecodableInput
from guest.schema import (
    EXECUTION_PAYLOAD_V1,
    EXECUTION_PAYLOAD_V2,
    EXECUTION_PAYLOAD_V3,
    EXECUTION_PAYLOAD_V4,
    EXECUTION_REQUESTS_ELECTRA,
    EXECUTION_REQUESTS_GLOAS,
    FAILED_STATELESS_OUTPUT,
    MAX_BYTES_PER_CODE,
    MAX_BYTES_PER_HEADER,
    MAX_BYTES_PER_WITNESS_NODE,
    MAX_EXTRA_DATA_BYTES,
    MAX_WITNESS_HEADERS,
    STATELESS_VALIDATION_RESULT_SIZE,
    SUPPORTED_SCHEMA_IDS,
    ExecutionWitness,
    ProtocolFork,
    StatelessValidationResult,
    deserialize_stateless_input,
    deserialize_stateless_output,
    serialize_stateless_input,
    serialize_stateless_output,
)
from guest.sedes import ProgressiveList, StrictByteList
from tests.factories import SHAPE_FORKS, sample_input, sample_payload, sample_requests

# Reference roots published with the reth guest's SSZ crate (paradigmxyz/stateless
# new_payload_request.rs) and reproduced there with eth-remerkleable.
PAYLOAD_ROOTS = {
    ProtocolFork.Paris: (
        "7607fcf862b0f219726ad51d8651d49a9bbbe12fb62edaacd399c25db92b8d77"
    ),
    ProtocolFork.Shanghai: (
        "2e3ce606be3d7aa667c2babf22196711f68b45bea6716c6446ec5dce4bd39449"
    ),
    ProtocolFork.Cancun: (
        "b9ccbb429059770fb1c3796aa98dc5d5df321b6226d46ed14203cfe8df186834"
    ),
    ProtocolFork.Amsterdam: (
        "fc49b59feaa0a2877a26f64bf9e6e30c3848c32c6c2ffa6ca4943a57d640f753"
    ),
}
PAYLOAD_SEDES = {
    ProtocolFork.Paris: EXECUTION_PAYLOAD_V1,
    ProtocolFork.Shanghai: EXECUTION_PAYLOAD_V2,
    ProtocolFork.Cancun: EXECUTION_PAYLOAD_V3,
    ProtocolFork.Amsterdam: EXECUTION_PAYLOAD_V4,
}

# Whole inputs built from those payloads with an empty witness and chain id 1
# (multifork-schema.md, Appendix B): length, sha256 prefix, expected output.
SYNTHETIC_VECTORS = {
    ProtocolFork.Paris: (
        561,
        "c9a7128367888b81",
        "7607fcf862b0f219726ad51d8651d49a9bbbe12fb62edaacd399c25db92b8d77"
        "000100000000000000010e",
    ),
    ProtocolFork.Shanghai: (
        609,
        "4a1eb671bbd51642",
        "2e3ce606be3d7aa667c2babf22196711f68b45bea6716c6446ec5dce4bd39449"
        "000100000000000000010f",
    ),
    ProtocolFork.Cancun: (
        693,
        "bf2c8c538a3b62cd",
        "148e9950792fa17f227eb1a7baf8957131cf8862ed3f83714f288e2ecae1b3dc"
        "0001000000000000000110",
    ),
    ProtocolFork.Osaka: (
        1093,
        "4fc41a2201c94a78",
        "2c689ed4c82e38091510ea8f54b3d7732a7d26f8bd8158f6dab79d276e969b63"
        "0001000000000000000112",
    ),
    ProtocolFork.Amsterdam: (
        1398,
        "a5b23e7a5a915ae6",
        "d6d3a9aac16b2bb0dd768e86f8b5efdce38fbb39c2eb8e06b91b6247e34190eb"
        "0001000000000000000115",
    ),
}


def encode(fork: ProtocolFork = ProtocolFork.Amsterdam, **changes: object) -> bytes:
    stateless_input = sample_input(fork)
    if changes:
        stateless_input = replace(stateless_input, **changes)  # type: ignore[arg-type]
    return serialize_stateless_input(stateless_input)


def witness_with(**fields: tuple[bytes, ...]) -> ExecutionWitness:
    empty: dict[str, tuple[bytes, ...]] = {"state": (), "codes": (), "headers": ()}
    return ExecutionWitness(**{**empty, **fields})


def offset_at(data: bytes, position: int) -> int:
    return int.from_bytes(data[position : position + 4], "little")


def with_offset(data: bytes, position: int, value: int) -> bytes:
    return data[:position] + value.to_bytes(4, "little") + data[position + 4 :]


def decodes(data: bytes) -> bool:
    try:
        deserialize_stateless_input(data)
    except UndecodableInput:
        return False
    return True


# Reference roots.


@pytest.mark.parametrize(
    ("element", "value", "root"),
    [
        (
            StrictByteList(1024),
            b"\xaa" * 3,
            "8a25ed609796eeb1a5d772d19d1e9236b069e0dc2c9fc1f5db166e73c0e7d5fc",
        ),
        (
            StrictByteList(65536),
            b"\xbb" * 5,
            "a547789a596b86c52d812f5e04a9375ad0030c486748e04eb80ae80fc7a93e9c",
        ),
        (
            ByteVector(65),
            b"\xcc" * 65,
            "4c4b20e8ab80e7c80dc192092e936a59dd856cb8fa3f7e73b1e05e552fa0f783",
        ),
    ],
)
def test_progressive_list_reference_roots(element, value, root):
    assert ProgressiveList(element).get_hash_tree_root([value]).hex() == root


@pytest.mark.parametrize("fork", list(PAYLOAD_ROOTS))
def test_progressive_payload_reference_roots(fork):
    root = PAYLOAD_SEDES[fork].get_hash_tree_root(sample_payload(fork))
    assert root.hex() == PAYLOAD_ROOTS[fork]


@pytest.mark.parametrize(
    ("fork", "sedes", "root"),
    [
        (
            ProtocolFork.Prague,
            EXECUTION_REQUESTS_ELECTRA,
            "56dff976fcc8547491480bb0c68c391852c66410c1768707a851c5038047b78f",
        ),
        (
            ProtocolFork.Amsterdam,
            EXECUTION_REQUESTS_GLOAS,
            "0304da3c1bcc50b26b9d6408ea98648962bde84bc81f5d50d645f2b3dcc0e9b0",
        ),
    ],
)
def test_progressive_requests_reference_roots(fork, sedes, root):
    assert sedes.get_hash_tree_root(sample_requests(fork)).hex() == root


@pytest.mark.parametrize("fork", list(SYNTHETIC_VECTORS))
def test_synthetic_inputs_give_reference_outputs(fork):
    length, digest_prefix, output = SYNTHETIC_VECTORS[fork]
    data = encode(fork)
    assert len(data) == length
    assert hashlib.sha256(data).hexdigest().startswith(digest_prefix)
    assert run_stateless_guest(data).hex() == output


# Round trips and shapes.


@pytest.mark.parametrize("fork", list(ProtocolFork))
def test_round_trip_every_schema(fork):
    data = encode(fork)
    decoded = deserialize_stateless_input(data)
    assert decoded == sample_input(fork)
    assert decoded.schema_id == fork << 8 | 1
    assert serialize_stateless_input(decoded) == data


@pytest.mark.parametrize("shape", SHAPE_FORKS)
def test_each_shape_decodes_only_under_its_own_ids(shape):
    body = encode(shape)[2:]
    same_shape = {
        fork
        for fork in ProtocolFork
        if type(sample_input(fork).new_payload_request.execution_requests)
        is type(sample_input(shape).new_payload_request.execution_requests)
        and (fork >= ProtocolFork.Amsterdam) == (shape >= ProtocolFork.Amsterdam)
        and (fork >= ProtocolFork.Cancun) == (shape >= ProtocolFork.Cancun)
        and (fork >= ProtocolFork.Shanghai) == (shape >= ProtocolFork.Shanghai)
    }
    for fork in ProtocolFork:
        data = (fork << 8 | 1).to_bytes(2, "big") + body
        assert decodes(data) == (fork in same_shape), fork.name


def test_supported_schema_ids():
    assert SUPPORTED_SCHEMA_IDS == (
        0x0E01,
        0x0F01,
        0x1001,
        0x1101,
        0x1201,
        0x1301,
        0x1401,
        0x1501,
    )


# Strict decoding: every rule with a positive and a negative case.


@pytest.mark.parametrize(
    "schema_id", [0x0D01, 0x0E02, 0x1500, 0x1502, 0x1601, 0xFF01, 0x0001]
)
def test_unsupported_schema_ids_are_undecodable(schema_id):
    body = encode()[2:]
    assert decodes(encode())
    assert not decodes(schema_id.to_bytes(2, "big") + body)


@pytest.mark.parametrize("data", [b"", b"\x15", b"\x15\x01"])
def test_missing_schema_id_or_body_is_undecodable(data):
    assert not decodes(data)


def test_first_offset_must_equal_the_fixed_part():
    data = encode()
    assert offset_at(data, 2) == 16 and decodes(data)
    assert not decodes(with_offset(data, 2, 20))
    assert not decodes(with_offset(data, 2, 15))


def test_offsets_must_not_decrease():
    data = encode()
    npr_offset = 2 + 16
    payload_start = npr_offset + offset_at(data, npr_offset)
    # ExecutionPayload: extra_data at [436:440], transactions at [504:508].
    extra = offset_at(data, payload_start + 436)
    transactions = offset_at(data, payload_start + 504)
    assert extra < transactions and decodes(data)
    assert not decodes(with_offset(data, payload_start + 504, extra - 1))


def test_offsets_must_stay_in_range():
    data = encode()
    assert not decodes(with_offset(data, 6, len(data)))
    assert decodes(data)


def test_shifted_offsets_leave_a_gap():
    data = encode()
    shifted = with_offset(with_offset(data, 2, 17), 6, offset_at(data, 6) + 1) + b"\xff"
    assert not decodes(shifted)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("state", MAX_BYTES_PER_WITNESS_NODE),
        ("codes", MAX_BYTES_PER_CODE),
        ("headers", MAX_BYTES_PER_HEADER),
    ],
)
def test_witness_byte_list_limits(field, limit):
    at_limit = encode(witness=witness_with(**{field: (b"\x01" * limit,)}))
    assert decodes(at_limit)
    with pytest.raises((SerializationError, DeserializationError)):
        encode(witness=witness_with(**{field: (b"\x01" * (limit + 1),)}))
    # Lengthen the single element by one byte in place, shifting later offsets.
    witness_start = 2 + offset_at(at_limit, 6)
    field_index = ("state", "codes", "headers").index(field)
    later = [witness_start + 4 * index for index in range(field_index + 1, 3)]
    end = witness_start + offset_at(at_limit, later[0]) if later else len(at_limit)
    over_limit = at_limit[:end] + b"\x01" + at_limit[end:]
    for position in later:
        over_limit = with_offset(
            over_limit, position, offset_at(over_limit, position) + 1
        )
    assert not decodes(over_limit)


def test_extra_data_limit():
    payload = sample_payload(ProtocolFork.Amsterdam)
    request = sample_input().new_payload_request

    def with_extra(size: int) -> bytes:
        new_payload = replace(payload, extra_data=b"\x01" * size)
        return encode(
            new_payload_request=replace(request, execution_payload=new_payload)
        )

    assert decodes(with_extra(MAX_EXTRA_DATA_BYTES))
    with pytest.raises((SerializationError, DeserializationError)):
        with_extra(MAX_EXTRA_DATA_BYTES + 1)
    # Encode at the limit, then lengthen extra_data by one byte in place.
    data = with_extra(MAX_EXTRA_DATA_BYTES)
    npr = 2 + 16
    payload_start = npr + offset_at(data, npr)
    extra_start = payload_start + offset_at(data, payload_start + 436)
    grown = data[:extra_start] + b"\x01" + data[extra_start:]
    for position in (payload_start + 504, payload_start + 508, payload_start + 528):
        grown = with_offset(grown, position, offset_at(grown, position) + 1)
    for position in (npr + 4, npr + 40):
        grown = with_offset(grown, position, offset_at(grown, position) + 1)
    grown = with_offset(grown, 6, offset_at(grown, 6) + 1)
    assert not decodes(grown)


def test_header_count_limit():
    headers = tuple(bytes([i % 256]) for i in range(MAX_WITNESS_HEADERS))
    assert decodes(encode(witness=witness_with(headers=headers)))
    # Encoding refuses 257 headers, so build the list by hand.
    data = encode(witness=witness_with(headers=headers))
    witness_start = 2 + offset_at(data, 6)
    headers_start = witness_start + offset_at(data, witness_start + 8)
    items = [headers_start + offset_at(data, headers_start + 4 * i) for i in range(256)]
    ends = items[1:] + [len(data)]
    elements = [data[start:end] for start, end in zip(items, ends)] + [b"\x00"]
    table = b"".join(
        (4 * 257 + sum(len(e) for e in elements[:i])).to_bytes(4, "little")
        for i in range(257)
    )
    too_many = data[:headers_start] + table + b"".join(elements)
    assert not decodes(too_many)


@pytest.mark.parametrize("extra", [1, 43])
def test_withdrawals_tail_must_be_whole_items(extra):
    data = encode()
    npr = 2 + 16
    payload_start = npr + offset_at(data, npr)
    withdrawals = payload_start + offset_at(data, payload_start + 508)
    grown = data[:withdrawals] + b"\x00" * extra + data[withdrawals:]
    for position in (payload_start + 528,):
        grown = with_offset(grown, position, offset_at(grown, position) + extra)
    for position in (npr + 4, npr + 40):
        grown = with_offset(grown, position, offset_at(grown, position) + extra)
    grown = with_offset(grown, 6, offset_at(grown, 6) + extra)
    assert not decodes(grown)
    # 44 more bytes are one more whole withdrawal: still canonical.
    whole = data[:withdrawals] + b"\x00" * 44 + data[withdrawals:]
    for position in (payload_start + 528, npr + 4, npr + 40, 6):
        whole = with_offset(whole, position, offset_at(whole, position) + 44)
    assert decodes(whole)


@pytest.mark.parametrize("field_offset", [4, 40])
def test_versioned_hashes_and_requests_tails(field_offset):
    """Grow the list just before the field at `field_offset` by 31 bytes."""
    data = encode()
    npr = 2 + 16
    # versioned_hashes ends where execution_requests starts; deposits end where
    # withdrawal requests start.
    if field_offset == 4:
        start = npr + offset_at(data, npr + 40)  # end of versioned_hashes
        shift = [(npr + 40), 6]
    else:
        requests = npr + offset_at(data, npr + 40)
        start = requests + offset_at(data, requests + 4)  # end of deposits
        shift = [requests + 4, requests + 8, requests + 12, requests + 16, 6]
    grown = data[:start] + b"\x00" * 31 + data[start:]
    for position in shift:
        grown = with_offset(grown, position, offset_at(grown, position) + 31)
    assert decodes(data)
    assert not decodes(grown)


def test_trailing_bytes_lengthen_the_last_header():
    data = encode(witness=witness_with(headers=(b"\xc0",)))
    decoded = deserialize_stateless_input(data + b"\xff")
    assert decoded.witness.headers == (b"\xc0\xff",)


# Output.


def test_output_layout():
    result = StatelessValidationResult(b"\x11" * 32, True, 2**64 - 1, 0x1501)
    data = serialize_stateless_output(result)
    assert len(data) == STATELESS_VALIDATION_RESULT_SIZE == 43
    assert data == b"\x11" * 32 + b"\x01" + b"\xff" * 8 + b"\x01\x15"
    assert deserialize_stateless_output(data) == result


def test_sentinel_is_zero():
    assert serialize_stateless_output(FAILED_STATELESS_OUTPUT) == bytes(43)


@pytest.mark.parametrize(
    "data", [bytes(42), bytes(44), bytes(32) + b"\x02" + bytes(10)]
)
def test_output_decoding_is_strict(data):
    with pytest.raises((SerializationError, DeserializationError)):
        deserialize_stateless_output(data)
