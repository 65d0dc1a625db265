"""Amsterdam blocks built by the scenario builder: validity, access lists, refusals.

EELS 2.20.0 has no Amsterdam, so no specification replays these blocks. What is
checked instead, independently of the guest's verdict: the block imports again
with py-evm's own validation over the full state; the access list the builder
puts in the payload decodes strictly and re-encodes byte for byte and hashes to
the header's field; its content and the post-state match what the rules say
must be there (amsterdam.md §9.2), written out by hand below; and a block whose
commitments are corrupted (and re-hashed) is refused for that commitment.
"""

from dataclasses import replace
from functools import cache
from hashlib import sha256

import pytest
from eth_bloom import BloomFilter
from eth_typing import Address
from eth_utils import keccak
from test_amsterdam_blocks import refusal_of, resealed

from guest.forks.amsterdam.block_access_list import (
    AccountChanges,
    decode_block_access_list,
    encode_block_access_list,
)
from guest.forks.amsterdam.system_calls import (
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
)
from guest.host.builder import BuiltInput
from guest.host.scenario import (
    COINBASE,
    ETHER,
    GENESIS_SLOT,
    GWEI,
    BuiltScenario,
    address_of,
    build_input,
    build_scenario,
    import_with_validation,
)
from guest.host.scenarios import ScenarioEntry, catalogue, catalogue_cases
from guest.host.scenarios import amsterdam as scenarios
from guest.schema import (
    BuilderDepositRequest,
    BuilderExitRequest,
    ProtocolFork,
    StatelessValidationResult,
    compute_new_payload_request_root,
    serialize_stateless_input,
    serialize_stateless_output,
)
from guest.stateless_guest import run_stateless_guest_with_verdict

FORK = ProtocolFork.Amsterdam
SCHEMA_ID = 0x1501
CHAIN_ID = 1
SYSTEM_ADDRESS = b"\xff" * 19 + b"\xfe"
TRANSFER_TOPIC = keccak(b"Transfer(address,address,uint256)")
BEACON_ROOTS = bytes.fromhex("000F3df6D732807Ef1319fB7B8bB8522d0Beac02")
HISTORY = bytes.fromhex("0000F90827F1C53a10cb7A02335B175320002935")
WITHDRAWAL_REQUESTS = bytes.fromhex("00000961Ef480Eb55e80D19ad83579A64c007002")
CONSOLIDATION_REQUESTS = bytes.fromhex("0000BBdDc7CE488642fb579F8B00f3a590007251")
RING_SIZE = 8191
"""Slots of the beacon-roots and history rings (EIP-4788, EIP-2935)."""
NEW_ACCOUNT_STATE_GAS = 120 * 1_530
NEW_SLOT_STATE_GAS = 64 * 1_530
"""State gas of a new account and of a new slot (amsterdam.md §3.1, EIP-8037)."""
TRANSACTION_GAS_CAP = 2**24


def entries(names: tuple[str, ...] | None = None) -> list[ScenarioEntry]:
    chosen = [entry for entry, _ in catalogue_cases([FORK])]
    if names is None:
        return [entry for entry in chosen if entry.since == FORK]
    return [entry for entry in chosen if entry.name in names]


@cache
def built(name: str) -> tuple[BuiltScenario, BuiltInput]:
    (entry,) = [entry for entry in catalogue() if entry.name == name]
    scenario = build_scenario(entry.build(FORK), FORK)
    return scenario, build_input(scenario)


def block_access_list(name: str) -> dict[bytes, AccountChanges]:
    _, built_input = built(name)
    payload = built_input.stateless_input.new_payload_request.execution_payload
    return {
        account.address: account
        for account in decode_block_access_list(payload.block_access_list)
    }


def storage(scenario: BuiltScenario, address: bytes, slot: int) -> int:
    state = scenario.chain.get_vm(scenario.block.header).state
    return state.get_storage(Address(address), slot)


def balance(scenario: BuiltScenario, address: bytes) -> int:
    state = scenario.chain.get_vm(scenario.block.header).state
    return state.get_balance(Address(address))


# Every Amsterdam scenario validates, and not only in the guest's eyes.


def entry_id(entry: ScenarioEntry) -> str:
    return f"{entry.group}/{entry.name}"


@pytest.mark.parametrize("entry", entries(), ids=entry_id)
def test_scenario_validates(entry):
    _, built_input = built(entry.name)
    assert built_input.execution_error is None
    stateless = built_input.stateless_input
    assert stateless.schema_id == SCHEMA_ID
    accepted = serialize_stateless_output(
        StatelessValidationResult(
            new_payload_request_root=compute_new_payload_request_root(stateless),
            successful_validation=True,
            chain_id=CHAIN_ID,
            schema_id=SCHEMA_ID,
        )
    )
    assert run_stateless_guest_with_verdict(built_input.input_bytes).output == accepted


@pytest.mark.parametrize("entry", entries(), ids=entry_id)
def test_block_imports_with_full_state_and_validation(entry):
    scenario, _ = built(entry.name)
    import_with_validation(scenario)


@pytest.mark.parametrize("entry", entries(), ids=entry_id)
def test_payload_access_list_is_canonical(entry):
    scenario, built_input = built(entry.name)
    payload = built_input.stateless_input.new_payload_request.execution_payload
    encoded = payload.block_access_list
    assert encode_block_access_list(decode_block_access_list(encoded)) == encoded
    assert keccak(encoded) == scenario.block.header.block_access_list_hash
    assert payload.slot_number == scenario.block.header.slot_number


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry", entries(tuple(entry.name for entry in catalogue())), ids=entry_id
)
def test_catalogue_scenario_validates_on_amsterdam(entry):
    test_scenario_validates(entry)
    test_block_imports_with_full_state_and_validation(entry)
    test_payload_access_list_is_canonical(entry)


def test_outgrown_scenarios_are_refused_and_not_run():
    cases = {f"{e.group}/{e.name}" for e, _ in catalogue_cases([FORK])}
    for source in scenarios.OUTGROWN_BY_AMSTERDAM:
        assert source not in cases
        (entry,) = [e for e in catalogue() if f"{e.group}/{e.name}" == source]
        with pytest.raises(Exception, match="INTRINSIC_GAS_BELOW_FLOOR_GAS_COST"):
            build_scenario(entry.build(FORK), FORK)


# What the new opcodes and rules leave in the state and the header.


def test_slot_number_opcode_reads_the_header_field():
    scenario, _ = built("slot_number_opcode")
    number = scenario.block.header.block_number
    assert scenario.block.header.slot_number == GENESIS_SLOT + number
    assert storage(scenario, scenarios.SLOT_READER, 0) == GENESIS_SLOT + number
    assert storage(scenario, scenarios.SLOT_READER, 1) == number


def test_stack_immediate_opcodes_shuffle_as_specified():
    scenario, _ = built("stack_immediate_opcodes")
    # Pushed 1..20 (20 on top). DUPN 18 copies 3 on top; SWAPN 17 swaps the
    # top with the 18th item (4); EXCHANGE swaps the 10th (12) and 17th (5).
    expected_from_top = [4, 20, 19, 18, 17, 16, 15, 14, 13, 5, 11]
    expected_from_top += [10, 9, 8, 7, 6, 12, 3, 3, 2, 1]
    stored = [
        storage(scenario, scenarios.STACK_SHUFFLER, slot)
        for slot in range(len(expected_from_top))
    ]
    assert stored == expected_from_top


def test_eth_transfers_move_value_and_log():
    scenario, _ = built("eth_transfer_logs")
    new_account = scenarios.fixed_address(0x8100)
    assert balance(scenario, scenarios.FORWARD_RECIPIENT) == 1 + 1_000
    assert balance(scenario, scenarios.FORWARDER) == 4 * 1_000
    assert balance(scenario, new_account) == ETHER
    bloom = BloomFilter(int(scenario.block.header.bloom))
    assert SYSTEM_ADDRESS in bloom
    assert TRANSFER_TOPIC in bloom
    for address in (address_of(1), scenarios.FORWARDER, address_of(2), new_account):
        assert address.rjust(32, b"\x00") in bloom


def test_new_accounts_are_paid_in_state_gas():
    scenario, _ = built("state_gas_new_accounts")
    for index in range(8):
        assert balance(scenario, scenarios.fixed_address(0x8200 + index)) == index + 1
    assert scenario.block.header.gas_used >= 8 * NEW_ACCOUNT_STATE_GAS


def test_new_slots_are_paid_in_state_gas():
    scenario, _ = built("state_gas_new_storage")
    for slot in range(1, scenarios.NEW_SLOTS + 1):
        assert storage(scenario, scenarios.SLOT_FILLER, slot) == 1
    assert scenario.block.header.gas_used >= scenarios.NEW_SLOTS * NEW_SLOT_STATE_GAS


def test_transaction_above_the_cap_uses_its_reservoir():
    scenario, _ = built("transaction_gas_above_cap_fills_reservoir")
    (transaction,) = scenario.block.transactions
    assert transaction.gas > TRANSACTION_GAS_CAP
    for slot in range(1, scenarios.RESERVOIR_SLOTS + 1):
        assert storage(scenario, scenarios.RESERVOIR_FILLER, slot) == 1
    state_gas = scenarios.RESERVOIR_SLOTS * NEW_SLOT_STATE_GAS
    assert scenario.block.header.gas_used >= state_gas


def test_builder_exit_reaches_the_requests_hash():
    scenario, built_input = built("builder_exit_request")
    record = address_of(1) + scenarios.BUILDER_PUBKEY
    assert built_input.execution_requests == (b"\x04" + record,)
    requests = built_input.stateless_input.new_payload_request.execution_requests
    assert requests.builder_exits == (
        BuilderExitRequest(address_of(1), scenarios.BUILDER_PUBKEY),
    )
    assert requests.builder_deposits == ()
    one_request = sha256(sha256(b"\x04" + record).digest()).digest()
    assert scenario.block.header.requests_hash == one_request


def builder_deposit_record() -> bytes:
    # EIP-8282: pubkey 48, withdrawal credentials 32, amount 8 (little-endian
    # Gwei), signature 96.
    amount = scenarios.BUILDER_DEPOSIT_AMOUNT_GWEI
    return (
        scenarios.BUILDER_PUBKEY
        + scenarios.BUILDER_WITHDRAWAL_CREDENTIALS
        + bytes((amount >> (8 * position)) & 0xFF for position in range(8))
        + scenarios.BUILDER_SIGNATURE
    )


def test_builder_deposit_reaches_the_requests_hash():
    scenario, built_input = built("builder_deposit_request")
    record = builder_deposit_record()
    assert len(record) == 184
    assert built_input.execution_requests == (b"\x03" + record,)
    requests = built_input.stateless_input.new_payload_request.execution_requests
    assert requests.builder_deposits == (
        BuilderDepositRequest(
            scenarios.BUILDER_PUBKEY,
            scenarios.BUILDER_WITHDRAWAL_CREDENTIALS,
            32_000_000_000,
            scenarios.BUILDER_SIGNATURE,
        ),
    )
    assert requests.builder_exits == ()
    one_request = sha256(sha256(b"\x03" + record).digest()).digest()
    assert scenario.block.header.requests_hash == one_request
    # The system call empties the queue it served.
    for slot in range(7):
        assert storage(scenario, BUILDER_DEPOSIT_CONTRACT_ADDRESS, slot) == 0


def test_changed_builder_deposit_is_refused():
    _, built_input = built("builder_deposit_request")
    stateless = built_input.stateless_input
    request = stateless.new_payload_request
    (deposit,) = request.execution_requests.builder_deposits
    changed = replace(deposit, amount=deposit.amount + 1)
    requests = replace(request.execution_requests, builder_deposits=(changed,))
    data = resealed(
        replace(
            stateless,
            new_payload_request=replace(request, execution_requests=requests),
        )
    )
    assert refusal_of(data) == "BlockException.INVALID_REQUESTS"


# What the block access list must hold (amsterdam.md §9.2).


def touched_only(account: AccountChanges) -> bool:
    return not (
        account.storage_changes
        or account.storage_reads
        or account.balance_changes
        or account.nonce_changes
        or account.code_changes
    )


def test_empty_block_access_list_holds_the_system_contracts():
    scenario, _ = built("empty_block")
    header = scenario.block.header
    bal = block_access_list("empty_block")
    beacon_slot = header.timestamp % RING_SIZE
    assert dict(bal[BEACON_ROOTS].storage_changes)[beacon_slot] == (
        (0, header.timestamp),
    )
    root_slot = beacon_slot + RING_SIZE
    assert dict(bal[BEACON_ROOTS].storage_changes)[root_slot] == (
        (0, int.from_bytes(header.parent_beacon_block_root, "big")),
    )
    assert bal[HISTORY].storage_changes == (
        (
            (header.block_number - 1) % RING_SIZE,
            ((0, int.from_bytes(header.parent_hash, "big")),),
        ),
    )
    for queue in (WITHDRAWAL_REQUESTS, CONSOLIDATION_REQUESTS):
        assert bal[queue].storage_reads == (0, 1, 2, 3)
        assert not bal[queue].storage_changes
    # Our stand-ins read their queue count, and find nothing queued.
    for queue in (BUILDER_DEPOSIT_CONTRACT_ADDRESS, BUILDER_EXIT_CONTRACT_ADDRESS):
        assert bal[queue].storage_reads == (0,)
        assert not bal[queue].storage_changes
    assert SYSTEM_ADDRESS not in bal
    assert COINBASE not in bal
    assert list(bal) == sorted(bal)


def test_transfer_access_list_holds_sender_recipient_and_coinbase():
    scenario, _ = built("eth_transfer_logs")
    bal = block_access_list("eth_transfer_logs")
    new_account = scenarios.fixed_address(0x8100)
    assert bal[address_of(1)].nonce_changes == ((1, 1),)
    assert bal[address_of(2)].nonce_changes == ((2, 1),)
    assert [index for index, _ in bal[address_of(1)].balance_changes] == [1]
    assert [index for index, _ in bal[address_of(2)].balance_changes] == [2]
    assert bal[new_account].balance_changes == ((2, ETHER),)
    assert bal[scenarios.FORWARDER].balance_changes == ((1, 4 * 1_000),)
    assert bal[scenarios.FORWARD_RECIPIENT].balance_changes == ((1, 1 + 1_000),)
    # A non-zero priority fee credits the coinbase at both transactions.
    assert [index for index, _ in bal[COINBASE].balance_changes] == [1, 2]
    final_coinbase = bal[COINBASE].balance_changes[-1][1]
    assert final_coinbase == balance(scenario, COINBASE)
    assert SYSTEM_ADDRESS not in bal


def test_read_only_accesses_are_reads():
    bal = block_access_list("read_only_accesses")
    assert bal[scenarios.READER].storage_reads == (5, 6)
    assert not bal[scenarios.READER].storage_changes
    assert touched_only(bal[scenarios.READ_TARGET])


def test_storage_writes_are_changes_at_the_transaction_index():
    bal = block_access_list("state_gas_new_storage")
    changes = bal[scenarios.SLOT_FILLER].storage_changes
    assert changes == tuple(
        (slot, ((1, 1),)) for slot in range(1, scenarios.NEW_SLOTS + 1)
    )
    assert not bal[scenarios.SLOT_FILLER].storage_reads


def test_withdrawals_are_changes_after_the_transactions():
    bal = block_access_list("withdrawal_to_new_account")
    (recipient,) = [a for a in bal.values() if a.balance_changes]
    assert recipient.balance_changes == ((1, 32 * GWEI * GWEI),)
    bal = block_access_list("withdrawal_zero_amount_to_new_account")
    assert not any(account.balance_changes for account in bal.values())
    scenario, _ = built("withdrawal_zero_amount_to_new_account")
    (withdrawal,) = scenario.block.withdrawals
    assert touched_only(bal[withdrawal.address])


def test_withdrawal_to_a_sender_nets_per_index():
    scenario, _ = built("withdrawal_to_transaction_sender")
    bal = block_access_list("withdrawal_to_transaction_sender")
    (withdrawal,) = scenario.block.withdrawals
    changes = bal[withdrawal.address].balance_changes
    assert [index for index, _ in changes] == [1, 2]
    assert changes[1][1] - changes[0][1] == withdrawal.amount * GWEI


# Corrupting each commitment refuses the block for that commitment.


REPRESENTATIVE = (
    "eth_transfer_logs",
    "state_gas_new_storage",
    "withdrawal_to_transaction_sender",
    "every_request_type",
    "builder_exit_request",
    "builder_deposit_request",
)


def corrupted_commitments(name: str) -> dict[str, bytes]:
    _, built_input = built(name)
    stateless = built_input.stateless_input
    request = stateless.new_payload_request
    payload = request.execution_payload
    bal = decode_block_access_list(payload.block_access_list)
    requests = replace(
        request.execution_requests,
        builder_exits=(BuilderExitRequest(b"\x01" * 20, b"\x02" * 48),),
    )
    with_requests = replace(
        stateless, new_payload_request=replace(request, execution_requests=requests)
    )
    return {
        "BlockException.INVALID_STATE_ROOT": resealed(
            stateless, state_root=keccak(payload.state_root)
        ),
        "BlockException.INVALID_RECEIPTS_ROOT": resealed(
            stateless, receipts_root=keccak(payload.receipts_root)
        ),
        "BlockException.INVALID_BLOCK_ACCESS_LIST": resealed(
            stateless, block_access_list=encode_block_access_list(bal[1:])
        ),
        "BlockException.INVALID_REQUESTS": resealed(with_requests),
        "BlockException.INVALID_GAS_USED": resealed(
            stateless, gas_used=payload.gas_used + 1
        ),
    }


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_corrupted_commitment_is_refused_for_it(name):
    _, built_input = built(name)
    assert run_stateless_guest_with_verdict(built_input.input_bytes).refusal is None
    for reason, data in corrupted_commitments(name).items():
        assert data != serialize_stateless_input(built_input.stateless_input)
        assert refusal_of(data) == reason
