"""Amsterdam opcodes: SLOTNUM, DUPN/SWAPN/EXCHANGE, repriced state access, 2-D gas."""

import pytest
from eth._utils.address import generate_contract_address
from eth.exceptions import InvalidInstruction
from eth_typing import Address

from guest.forks.amsterdam.instructions import (
    SYSTEM_ADDRESS,
    TRANSFER_TOPIC,
    decode_pair,
    decode_single,
)
from tests.amsterdam_support import (
    CONTRACT,
    OTHER,
    RICH,
    SENDER,
    SLOT_NUMBER,
    Account,
    call_contract,
    legacy_tx,
    make_state,
    push,
    run,
    sstore,
)

SSTORE = b"\x55"
POP = b"\x50"
CALL_TO_CONTRACT_INTRINSIC = 12_000 + 3_000  # TX_BASE + cold recipient, no value


def encode_single(n: int) -> int:
    """EIP-8024's reference encoder for DUPN/SWAPN."""
    return (n + 111) % 256


def encode_pair(n: int, m: int) -> int:
    """EIP-8024's reference encoder for EXCHANGE."""
    if m <= 16:
        q, r = n - 1, m - 1
    else:
        q, r = 29 - m, n - 1
    return (16 * q + r) ^ 143


def pushes(count: int) -> bytes:
    """Push 1..count, so the n-th item from the top is count - n + 1."""
    return b"".join(push(value) for value in range(1, count + 1))


# -- EIP-8024 decoding -- #
@pytest.mark.parametrize("n", range(17, 236))
def test_single_immediate_round_trips(n):
    assert decode_single(encode_single(n)) == n


@pytest.mark.parametrize(
    "pair", [(n, m) for n in range(1, 15) for m in range(n + 1, 31 - n)]
)
def test_pair_immediate_round_trips(pair):
    assert decode_pair(encode_pair(*pair)) == pair


@pytest.mark.parametrize("immediate", [91, 0x5B, 0x60, 0x7F, 127])
def test_single_immediate_rejects_jumpdest_and_push_bytes(immediate):
    with pytest.raises(InvalidInstruction):
        decode_single(immediate)


@pytest.mark.parametrize("immediate", [82, 0x5B, 0x7F, 127])
def test_pair_immediate_rejects_its_forbidden_range(immediate):
    with pytest.raises(InvalidInstruction):
        decode_pair(immediate)


# -- new opcodes in a frame -- #
def test_slotnum_pushes_the_block_slot_number():
    state, output = call_contract(b"\x4b" + push(0) + SSTORE)
    assert output.succeeded
    assert state.get_storage(CONTRACT, 0) == SLOT_NUMBER


def test_dupn_duplicates_the_nth_item():
    code = pushes(20) + bytes([0xE6, encode_single(17)]) + push(0) + SSTORE
    state, output = call_contract(code)
    assert output.succeeded
    assert state.get_storage(CONTRACT, 0) == 4


def test_swapn_swaps_top_with_item_n_plus_one():
    code = pushes(20) + bytes([0xE7, encode_single(17)]) + push(0) + SSTORE
    state, output = call_contract(code)
    assert output.succeeded
    assert state.get_storage(CONTRACT, 0) == 3


def test_exchange_swaps_items_n_plus_one_and_m_plus_one():
    code = pushes(3) + bytes([0xE8, encode_pair(1, 2)]) + POP + push(0) + SSTORE
    state, output = call_contract(code)
    assert output.succeeded
    assert state.get_storage(CONTRACT, 0) == 1


def test_dupn_underflow_halts():
    _, output = call_contract(pushes(16) + bytes([0xE6, encode_single(17)]))
    assert not output.succeeded


def test_dupn_invalid_immediate_halts():
    _, output = call_contract(pushes(20) + bytes([0xE6, 0x5B]))
    assert not output.succeeded


def test_jumpdest_after_dupn_stays_a_valid_destination():
    # PUSH1 4; JUMP; DUPN; JUMPDEST; SSTORE(0, 1)
    code = bytes([0x60, 0x04, 0x56, 0xE6, 0x5B]) + sstore(0, 1)
    state, output = call_contract(code)
    assert output.succeeded
    assert state.get_storage(CONTRACT, 0) == 1


# -- EIP-8038 / EIP-8037 storage prices -- #
def test_new_slot_costs_write_plus_state_gas():
    _, output = call_contract(sstore(0, 1))
    assert output.succeeded
    assert output.execution_gas_used == CALL_TO_CONTRACT_INTRINSIC + 5 + 2_100 + 10_000
    assert output.state_gas_used == 97_920
    assert output.gas_used == output.execution_gas_used + 97_920


def test_set_then_clear_refills_state_gas_and_refunds_the_write():
    _, output = call_contract(sstore(0, 1) + sstore(0, 0))
    execution = CALL_TO_CONTRACT_INTRINSIC + 5 + 12_100 + 4 + 100
    assert output.state_gas_used == 0
    assert output.execution_gas_used == execution
    assert output.gas_used == execution - min(execution // 5, 10_000)


def test_cold_noop_sstore_costs_the_cold_access_only():
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(nonce=1, code=sstore(0, 5), storage={0: 5}),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT))
    assert output.execution_gas_used == CALL_TO_CONTRACT_INTRINSIC + 5 + 2_100
    assert output.state_gas_used == 0


def test_clearing_a_slot_refunds_the_clear_refund():
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(nonce=1, code=sstore(0, 0), storage={0: 5}),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT))
    execution = CALL_TO_CONTRACT_INTRINSIC + 4 + 2_100 + 10_000
    assert output.execution_gas_used == execution
    assert output.gas_used == execution - min(execution // 5, 11_616)


def test_sstore_sentry_halts_at_the_stipend():
    _, output = call_contract(sstore(0, 1), gas=CALL_TO_CONTRACT_INTRINSIC + 5 + 2_300)
    assert not output.succeeded
    assert output.gas_used == CALL_TO_CONTRACT_INTRINSIC + 5 + 2_300


# -- account access -- #
def test_cold_balance_costs_three_thousand():
    _, output = call_contract(push(int.from_bytes(OTHER, "big")) + b"\x31" + POP)
    assert output.execution_gas_used == CALL_TO_CONTRACT_INTRINSIC + 3 + 3_000 + 2


def test_extcodesize_pays_a_second_read():
    _, output = call_contract(push(int.from_bytes(OTHER, "big")) + b"\x3b" + POP)
    assert output.execution_gas_used == CALL_TO_CONTRACT_INTRINSIC + 3 + 3_100 + 2


def test_gas_opcode_does_not_see_the_reservoir():
    gas_limit = 2**24 + 1_000_000
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(nonce=1, code=b"\x5a" + push(0) + SSTORE),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT, gas=gas_limit))
    assert output.succeeded
    grant = 2**24 - CALL_TO_CONTRACT_INTRINSIC
    assert state.get_storage(CONTRACT, 0) == grant - 2
    # The new slot's state gas came out of the reservoir.
    assert output.state_gas_used == 97_920


# -- calls -- #
def call_code(to: bytes, value: int) -> bytes:
    return (
        push(0) * 4 + push(value) + push(int.from_bytes(to, "big")) + push(0) + b"\xf1"
    )


def test_value_call_to_a_new_account_charges_state_gas_and_logs():
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(balance=10, nonce=1, code=call_code(OTHER, 1) + POP),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT))
    assert output.succeeded
    assert output.state_gas_used == 183_600
    # The unused 2,300 stipend comes back from the empty callee.
    assert output.execution_gas_used == (
        CALL_TO_CONTRACT_INTRINSIC + 8 + 3 + 3 + 2 + 3_000 + 11_300 - 2_300 + 2
    )
    assert state.get_balance(OTHER) == 1
    assert output.logs == (
        (
            SYSTEM_ADDRESS,
            (
                TRANSFER_TOPIC,
                int.from_bytes(CONTRACT, "big"),
                int.from_bytes(OTHER, "big"),
            ),
            (1).to_bytes(32, "big"),
        ),
    )


def test_failed_value_call_refills_the_new_account():
    ecrecover = b"\x00" * 19 + b"\x01"  # warm, not alive; 2,300 gas is too little
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(balance=10, nonce=1, code=call_code(ecrecover, 1) + POP),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT))
    assert output.succeeded
    assert output.state_gas_used == 0
    # The halted callee burns its stipend, which the caller never paid.
    assert output.execution_gas_used == (
        CALL_TO_CONTRACT_INTRINSIC + 8 + 3 + 3 + 2 + 100 + 11_300 + 2
    )
    assert output.logs == ()
    assert state.get_balance(CONTRACT) == 10


# -- self-destruct (EIP-8246) -- #
def test_selfdestruct_of_a_created_contract_keeps_its_balance():
    init_code = b"\x30\xff"  # ADDRESS SELFDESTRUCT
    state = make_state({SENDER: Account(balance=RICH)})
    output = run(state, legacy_tx(to=b"", value=5, data=init_code))
    assert output.succeeded
    created = generate_contract_address(SENDER, 0)
    assert state.get_balance(created) == 5
    assert state.get_nonce(created) == 0
    assert state.get_code(created) == b""


def test_selfdestruct_of_an_old_contract_only_moves_the_balance():
    code = push(int.from_bytes(OTHER, "big")) + b"\xff"
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(balance=7, nonce=1, code=code),
            OTHER: Account(balance=1),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT))
    assert output.succeeded
    assert state.get_balance(OTHER) == 8
    assert state.get_code(CONTRACT) == code
    assert state.get_balance(CONTRACT) == 0
    assert len(output.logs) == 1


def test_transient_storage_does_not_outlive_the_transaction():
    # TLOAD(0) -> SSTORE(0); then TSTORE(0, 1)
    code = push(0) + b"\x5c" + push(0) + SSTORE + push(1) + push(0) + b"\x5d"
    state = make_state(
        {SENDER: Account(balance=RICH), CONTRACT: Account(nonce=1, code=code)}
    )
    assert run(state, legacy_tx(to=CONTRACT)).succeeded
    state.lock_changes()
    assert run(state, legacy_tx(to=CONTRACT, nonce=1)).succeeded
    assert state.get_storage(CONTRACT, 0) == 0


# -- CREATE (EIP-8037 new account and code deposit) -- #
INIT_CODE = bytes.fromhex("60015f5360015ff3")  # returns the one-byte code 0x01
CREATE_FROM_MEMORY = (
    push(int.from_bytes(INIT_CODE, "big"))
    + push(0)
    + b"\x52"  # MSTORE: the init code lands at memory[24:32]
    + push(8)
    + push(24)
    + push(0)
    + b"\xf0"  # CREATE(0, 24, 8)
    + POP
)
CREATE_PROLOGUE_GAS = 3 + 2 + 3 + 3 + 3 + 3 + 2  # pushes, MSTORE and its memory word


def test_create_charges_new_account_and_code_deposit_state_gas():
    state, output = call_contract(CREATE_FROM_MEMORY)
    created = generate_contract_address(CONTRACT, 1)
    assert output.succeeded
    assert state.get_code(created) == b"\x01"
    assert state.get_nonce(CONTRACT) == 2
    assert output.state_gas_used == 183_600 + 1_530
    init_code_execution = 16  # PUSH1 PUSH0 MSTORE8(+memory) PUSH1 PUSH0 RETURN
    assert output.execution_gas_used == (
        CALL_TO_CONTRACT_INTRINSIC
        + CREATE_PROLOGUE_GAS
        + 12_000
        + 2
        + init_code_execution
        + 6
        + 2
    )


def test_create_collision_burns_the_grant_and_bumps_the_nonce():
    created = generate_contract_address(CONTRACT, 1)
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(nonce=1, code=CREATE_FROM_MEMORY),
            created: Account(code=b"\x00"),
        }
    )
    gas = 1_000_000
    output = run(state, legacy_tx(to=CONTRACT, gas=gas))
    assert output.succeeded
    assert state.get_code(created) == b"\x00"
    assert state.get_nonce(CONTRACT) == 2
    gas_left = gas - CALL_TO_CONTRACT_INTRINSIC - CREATE_PROLOGUE_GAS - 12_002
    kept = gas_left // 64
    assert output.execution_gas_used == gas - (kept - 2)
    assert output.state_gas_used == 0


def test_cross_frame_refill_repays_the_parents_spill():
    # The parent sets slot 0 (its state gas spills onto gas_left, the reservoir
    # being empty); a DELEGATECALLed helper clears it, so the refill lands in the
    # child's reservoir; the successful merge repays the parent's spill, which
    # GAS then sees (amsterdam.md §4.3, "repay spill").
    helper = Address(b"\x77" * 20)
    code = (
        sstore(0, 1)
        + push(0) * 4
        + push(int.from_bytes(helper, "big"))
        + push(0xFFFFFF)
        + b"\xf4"  # DELEGATECALL
        + POP
        + b"\x5a"  # GAS
        + push(1)
        + SSTORE
    )
    state = make_state(
        {
            SENDER: Account(balance=RICH),
            CONTRACT: Account(nonce=1, code=code),
            helper: Account(nonce=1, code=push(0) + push(0) + SSTORE),
        }
    )
    output = run(state, legacy_tx(to=CONTRACT, gas=1_000_000))
    assert output.succeeded
    before_call = 1_000_000 - CALL_TO_CONTRACT_INTRINSIC - 5 - 12_100 - 97_920 - 14
    after_access = before_call - 3_000
    helper_gas = 2 + 2 + 100
    expected_gas = after_access - helper_gas + 97_920 - 2 - 2
    assert state.get_storage(CONTRACT, 1) == expected_gas
    assert state.get_storage(CONTRACT, 0) == 0
    assert output.state_gas_used == 97_920
