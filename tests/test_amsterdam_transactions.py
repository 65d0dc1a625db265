"""Amsterdam transactions: intrinsic gas and floor, refusals, admission, top frame."""

import pytest
from eth._utils.address import generate_contract_address
from eth.vm.forks.prague.transactions import PragueTransactionBuilder

from guest.errors import InvalidTransaction, TransactionException
from guest.forks.amsterdam.instructions import SYSTEM_ADDRESS, TRANSFER_TOPIC
from guest.forks.amsterdam.transactions import (
    BlockGasCounters,
    calculate_intrinsic_gas,
)
from tests.amsterdam_support import (
    AUTHORITY,
    BASE_FEE,
    BLOCK_GAS_LIMIT,
    COINBASE,
    CONTRACT,
    GAS_PRICE,
    KEY,
    OTHER,
    RICH,
    SENDER,
    Account,
    access_list_tx,
    authorization,
    fee_market_tx,
    legacy_tx,
    make_state,
    run,
    set_code_tx,
)

TX_ERROR = TransactionException


def funded_state(accounts: dict | None = None):
    return make_state({SENDER: Account(balance=RICH), **(accounts or {})})


def refusal_of(state, tx, block_gas=None) -> TransactionException:
    with pytest.raises(InvalidTransaction) as caught:
        run(state, tx, block_gas)
    assert caught.value.index == 0
    return caught.value.exception


# -- intrinsic gas (EIP-2780, 7976, 7981) -- #
def intrinsic(tx):
    return calculate_intrinsic_gas(tx, SENDER)


def test_value_transfer_costs_21000():
    cost = intrinsic(legacy_tx(value=1))
    assert (cost.execution, cost.calldata_floor) == (21_000, 21_000)


def test_call_without_value_costs_15000():
    assert intrinsic(legacy_tx()).execution == 15_000


def test_self_transfer_costs_only_the_base():
    cost = intrinsic(legacy_tx(to=SENDER, value=1))
    assert (cost.execution, cost.calldata_floor) == (12_000, 12_000)


def test_creation_pays_create_access_and_init_code_words():
    cost = intrinsic(legacy_tx(to=b"", value=1, data=b"\x00"))
    assert cost.execution == 12_000 + 12_000 + 2 + 4
    assert cost.calldata_floor == 12_000 + 12_000 + 64


def test_calldata_tokens_and_floor():
    cost = intrinsic(legacy_tx(data=b"\x01" * 10 + b"\x00" * 2))
    assert cost.execution == 15_000 + 4 * (40 + 2)
    assert cost.calldata_floor == 15_000 + 64 * 12


def test_access_list_entries_and_their_data_surcharge():
    tx = access_list_tx(access_list=((CONTRACT, (1, 2)),))
    cost = intrinsic(tx)
    assert cost.execution == 15_000 + 2_900 + 2 * 2_000 + 1_280 + 2 * 2_048
    assert cost.calldata_floor == 15_000 + 1_280 + 2 * 2_048


# -- static validity and admission refusals -- #
def test_gas_below_intrinsic_is_refused():
    tx = legacy_tx(value=1, gas=20_999)
    assert refusal_of(funded_state(), tx) is TX_ERROR.INTRINSIC_GAS_TOO_LOW


def test_gas_below_the_calldata_floor_is_refused():
    data = b"\x01" * 100  # intrinsic 16,600; floor 21,400
    tx = legacy_tx(data=data, gas=21_399)
    assert refusal_of(funded_state(), tx) is TX_ERROR.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST


def test_gas_above_the_total_cap_is_refused():
    tx = legacy_tx(gas=2**32)
    assert refusal_of(funded_state(), tx) is TX_ERROR.GAS_LIMIT_EXCEEDS_MAXIMUM


def test_wrong_chain_id_is_refused():
    tx = legacy_tx(chain_id=5)
    assert refusal_of(funded_state(), tx) is TX_ERROR.INVALID_CHAINID


def test_pre_eip155_signature_is_accepted():
    output = run(funded_state(), legacy_tx(chain_id=None))
    assert output.succeeded


def test_nonce_mismatch_is_refused():
    assert refusal_of(funded_state(), legacy_tx(nonce=1)) is (
        TX_ERROR.NONCE_MISMATCH_TOO_HIGH
    )


def test_gas_price_below_base_fee_is_refused():
    tx = legacy_tx(gas_price=BASE_FEE - 1)
    assert refusal_of(funded_state(), tx) is TX_ERROR.INSUFFICIENT_MAX_FEE_PER_GAS


def test_priority_fee_above_max_fee_is_refused():
    tx = fee_market_tx(max_fee=10, priority=11)
    assert refusal_of(funded_state(), tx) is (
        TX_ERROR.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS
    )


def test_insufficient_funds_is_refused():
    state = make_state({SENDER: Account(balance=1_000_000 * GAS_PRICE)})
    tx = legacy_tx(value=1, gas=1_000_000)
    assert refusal_of(state, tx) is TX_ERROR.INSUFFICIENT_ACCOUNT_FUNDS


def test_sender_with_code_is_refused():
    state = make_state({SENDER: Account(balance=RICH, code=b"\x00")})
    assert refusal_of(state, legacy_tx()) is TX_ERROR.SENDER_NOT_EOA


def test_execution_dimension_admits_the_capped_gas_only():
    # tx.gas may exceed 2^24 and the remaining execution room, as long as
    # min(2^24, tx.gas) fits (EIP-8037).
    gas = 2**24 + 5_000_000
    room = BlockGasCounters(
        gas_limit=BLOCK_GAS_LIMIT, execution_gas_used=BLOCK_GAS_LIMIT - 2**24
    )
    assert run(funded_state(), legacy_tx(gas=gas), room).succeeded
    full = BlockGasCounters(
        gas_limit=BLOCK_GAS_LIMIT, execution_gas_used=BLOCK_GAS_LIMIT - 2**24 + 1
    )
    assert refusal_of(funded_state(), legacy_tx(gas=gas), full) is (
        TX_ERROR.GAS_ALLOWANCE_EXCEEDED
    )


def test_state_dimension_admits_the_whole_gas_limit():
    counters = BlockGasCounters(
        gas_limit=BLOCK_GAS_LIMIT, state_gas_used=BLOCK_GAS_LIMIT - 99_999
    )
    assert refusal_of(funded_state(), legacy_tx(gas=100_000), counters) is (
        TX_ERROR.GAS_ALLOWANCE_EXCEEDED
    )


# -- execution, settlement and fees -- #
def test_value_transfer_logs_and_pays_the_coinbase():
    state = funded_state()
    state.set_balance(OTHER, 1)
    state.persist()
    state.lock_changes()
    output = run(state, legacy_tx(value=3, gas=100_000))
    assert output.succeeded
    assert output.gas_used == 21_000
    assert output.logs == (
        (
            SYSTEM_ADDRESS,
            (
                TRANSFER_TOPIC,
                int.from_bytes(SENDER, "big"),
                int.from_bytes(OTHER, "big"),
            ),
            (3).to_bytes(32, "big"),
        ),
    )
    assert state.get_balance(COINBASE) == 21_000 * (GAS_PRICE - BASE_FEE)
    assert state.get_balance(SENDER) == RICH - 21_000 * GAS_PRICE - 3
    assert state.get_nonce(SENDER) == 1


def test_self_transfer_has_no_log():
    output = run(funded_state(), legacy_tx(to=SENDER, value=3, gas=100_000))
    assert output.succeeded
    assert output.gas_used == 12_000
    assert output.logs == ()


def test_value_to_a_new_account_charges_new_account_state_gas():
    output = run(funded_state(), legacy_tx(value=1, gas=300_000))
    assert output.state_gas_used == 183_600
    assert output.execution_gas_used == 21_000
    assert output.gas_used == 21_000 + 183_600


def test_unaffordable_new_account_fails_the_preparation():
    state = funded_state()
    output = run(state, legacy_tx(value=1, gas=100_000))
    assert not output.succeeded
    assert output.gas_used == 100_000
    assert output.state_gas_used == 0
    assert state.get_balance(OTHER) == 0
    assert state.get_nonce(SENDER) == 1


def test_zero_priority_fee_creates_no_coinbase_account():
    state = funded_state()
    run(state, legacy_tx(gas_price=BASE_FEE))
    assert not state.account_exists(COINBASE)


def test_creation_deposits_code_with_state_gas():
    init_code = bytes.fromhex("60015f5360015ff3")  # return the byte 0x01
    state = funded_state()
    output = run(state, legacy_tx(to=b"", data=init_code, gas=400_000))
    created = generate_contract_address(SENDER, 0)
    assert output.succeeded
    assert state.get_code(created) == b"\x01"
    assert state.get_nonce(created) == 1
    assert output.state_gas_used == 183_600 + 1_530
    execution = 24_000 + 2 + 4 * 32 + 16 + 6
    floor = 24_000 + 64 * 8
    assert output.execution_gas_used == max(execution, floor)
    assert output.gas_used == execution + 183_600 + 1_530


def test_creation_collision_consumes_the_grant_and_keeps_the_target():
    created = generate_contract_address(SENDER, 0)
    state = funded_state()
    state.set_code(created, b"\x00")
    state.persist()
    state.lock_changes()
    output = run(state, legacy_tx(to=b"", data=b"", gas=100_000))
    assert not output.succeeded
    assert output.gas_used == 100_000
    assert state.get_code(created) == b"\x00"
    assert state.get_nonce(SENDER) == 1


def test_reservoir_returns_to_the_sender_after_a_halt():
    gas = 2**24 + 1_000_000
    state = funded_state({CONTRACT: Account(nonce=1, code=b"\xfe")})  # INVALID
    output = run(state, legacy_tx(to=CONTRACT, gas=gas))
    assert not output.succeeded
    # The whole execution grant burns; the reservoir is never spent.
    assert output.gas_used == 2**24
    assert output.execution_gas_used == 2**24
    assert state.get_balance(SENDER) == RICH - 2**24 * GAS_PRICE


def test_receipt_carries_status_and_cumulative_gas():
    counters = BlockGasCounters(gas_limit=BLOCK_GAS_LIMIT, cumulative_gas_used=50_000)
    output = run(funded_state(), legacy_tx(value=0), counters)
    assert output.cumulative_gas_used == 65_000
    assert output.receipt.gas_used == 65_000
    assert output.receipt.state_root == b"\x01"
    assert counters.header_gas_used == max(
        counters.execution_gas_used, counters.state_gas_used
    )


# -- EIP-7702 runtime charges (EIP-2780 / EIP-8037) -- #
SET_CODE_INTRINSIC = 12_000 + 3_000 + 7_816  # base, cold recipient, one authorization


def test_delegation_to_a_new_authority_charges_account_write_and_indicator():
    state = funded_state()
    output = run(state, set_code_tx([authorization(CONTRACT)]))
    assert output.succeeded
    assert state.get_code(AUTHORITY) == b"\xef\x01\x00" + CONTRACT
    assert state.get_nonce(AUTHORITY) == 1
    assert output.execution_gas_used == SET_CODE_INTRINSIC + 9_000
    assert output.state_gas_used == 183_600 + 35_190


def test_delegation_of_an_existing_delegated_authority_charges_the_write_only():
    state = funded_state(
        {AUTHORITY: Account(balance=1, code=b"\xef\x01\x00" + OTHER, nonce=0)}
    )
    output = run(state, set_code_tx([authorization(CONTRACT)]))
    assert output.succeeded
    assert state.get_code(AUTHORITY) == b"\xef\x01\x00" + CONTRACT
    assert output.execution_gas_used == SET_CODE_INTRINSIC + 9_000
    assert output.state_gas_used == 0


def test_invalid_authorization_is_skipped():
    state = funded_state()
    output = run(state, set_code_tx([authorization(CONTRACT, nonce=1)]))
    assert output.succeeded
    assert state.get_code(AUTHORITY) == b""
    assert output.execution_gas_used == SET_CODE_INTRINSIC
    assert output.state_gas_used == 0


def test_two_authorizations_for_one_authority_pay_once():
    state = funded_state()
    auths = [authorization(CONTRACT), authorization(OTHER, nonce=1)]
    output = run(state, set_code_tx(auths, gas=1_000_000))
    assert output.succeeded
    assert state.get_code(AUTHORITY) == b"\xef\x01\x00" + OTHER
    assert state.get_nonce(AUTHORITY) == 2
    assert output.execution_gas_used == SET_CODE_INTRINSIC + 7_816 + 9_000
    assert output.state_gas_used == 183_600 + 35_190


def test_delegations_survive_a_failed_top_frame():
    # The recipient's code halts; the committed authorization state gas stays.
    state = funded_state({CONTRACT: Account(nonce=1, code=b"\xfe")})
    output = run(state, set_code_tx([authorization(OTHER)], to=CONTRACT))
    assert not output.succeeded
    assert state.get_code(AUTHORITY) == b"\xef\x01\x00" + OTHER
    assert output.state_gas_used == 183_600 + 35_190


def test_preparation_failure_reverts_the_delegations():
    gas = SET_CODE_INTRINSIC + 9_000 + 100_000  # cannot pay the new account
    state = funded_state()
    output = run(state, set_code_tx([authorization(CONTRACT)], gas=gas))
    assert not output.succeeded
    assert state.get_code(AUTHORITY) == b""
    assert output.gas_used == gas
    assert output.state_gas_used == 0


def test_call_to_a_delegated_account_pays_the_target_access():
    state = funded_state(
        {
            AUTHORITY: Account(balance=1, nonce=1, code=b"\xef\x01\x00" + CONTRACT),
            CONTRACT: Account(nonce=1, code=b"\x00"),
        }
    )
    output = run(state, legacy_tx(to=AUTHORITY))
    assert output.succeeded
    assert output.execution_gas_used == 12_000 + 3_000 + 3_000


def test_sender_as_authority_pays_no_account_write():
    # The sender's nonce is bumped before the authorizations are processed.
    state = funded_state()
    output = run(state, set_code_tx([authorization(CONTRACT, nonce=1, key=KEY)]))
    assert output.succeeded
    assert state.get_code(SENDER) == b"\xef\x01\x00" + CONTRACT
    assert state.get_nonce(SENDER) == 2
    assert output.execution_gas_used == SET_CODE_INTRINSIC
    assert output.state_gas_used == 35_190


def test_value_recipient_as_authority_pays_no_account_write():
    state = funded_state({AUTHORITY: Account(balance=1)})
    tx = set_code_tx([authorization(CONTRACT)], to=AUTHORITY, value=1)
    output = run(state, tx)
    assert output.succeeded
    # 6,000 value cost in the intrinsic; the delegate is cold at the top frame.
    assert output.execution_gas_used == SET_CODE_INTRINSIC + 6_000 + 3_000
    assert output.state_gas_used == 35_190
    assert state.get_balance(AUTHORITY) == 2


def test_blob_transaction_pays_the_actual_blob_price():
    unsigned = PragueTransactionBuilder.new_unsigned_blob_transaction(
        chain_id=1,
        nonce=0,
        max_priority_fee_per_gas=GAS_PRICE - BASE_FEE,
        max_fee_per_gas=GAS_PRICE,
        gas=100_000,
        to=OTHER,
        value=0,
        data=b"",
        access_list=(),
        max_fee_per_blob_gas=5,
        blob_versioned_hashes=[b"\x01" + b"\x00" * 31],
    )
    state = funded_state()
    counters = BlockGasCounters(gas_limit=BLOCK_GAS_LIMIT)
    output = run(state, unsigned.as_signed_transaction(KEY), counters)
    assert output.succeeded
    assert output.blob_gas_used == counters.blob_gas_used == 2**17
    # Excess blob gas 0: the blob price is 1 wei, not the 5 wei cap.
    assert state.get_balance(SENDER) == RICH - 15_000 * GAS_PRICE - 2**17
