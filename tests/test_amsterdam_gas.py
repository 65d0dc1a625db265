"""Amsterdam gas: constants of EIP-8037/8038/2780, the 2-D meter, settlement."""

import pytest
from eth.exceptions import OutOfGas

from guest.forks.amsterdam import gas
from guest.forks.amsterdam.gas_meter import StateGasMeter
from guest.forks.amsterdam.transactions import (
    TopLevelOutput,
    TransactionEnvironment,
    allocate_evm_gas,
    settle_transaction_gas,
)
from tests.amsterdam_support import OTHER, SENDER


def test_state_gas_prices_from_the_digest():
    assert gas.NEW_ACCOUNT_STATE_GAS == 183_600
    assert gas.STORAGE_SET_STATE_GAS == 97_920
    assert gas.AUTH_BASE_STATE_GAS == 35_190
    assert gas.SYSTEM_CALL_STATE_GAS_RESERVOIR == 1_566_720


def test_repriced_constants_from_the_digest():
    assert gas.CALL_VALUE == 11_300
    assert gas.CREATE_ACCESS == 12_000
    assert gas.REFUND_STORAGE_CLEAR == 11_616
    assert gas.TX_ACCESS_LIST_ADDRESS == 2_900
    assert gas.TX_ACCESS_LIST_STORAGE_KEY == 2_000
    assert gas.EXECUTION_PER_AUTH_BASE_COST == 7_816
    assert gas.MAX_CODE_SIZE == 65_536
    assert gas.MAX_INIT_CODE_SIZE == 131_072
    assert gas.MAX_BLOB_GAS_PER_BLOCK == 2_752_512
    # EIP-7981: 1,280 per address and 2,048 per key on both sides.
    assert gas.TX_DATA_TOKEN_FLOOR * gas.ACCESS_LIST_ADDRESS_FLOOR_TOKENS == 1_280
    assert gas.TX_DATA_TOKEN_FLOOR * gas.ACCESS_LIST_STORAGE_KEY_FLOOR_TOKENS == 2_048


def test_state_charge_draws_the_reservoir_first():
    meter = StateGasMeter(1_000, 500)
    meter.consume_state_gas(300, "test")
    assert (meter.gas_remaining, meter.state_gas_left, meter.state_gas_spilled) == (
        1_000,
        200,
        0,
    )


def test_state_charge_spills_onto_execution_gas():
    meter = StateGasMeter(1_000, 500)
    meter.consume_state_gas(800, "test")
    assert (meter.gas_remaining, meter.state_gas_left, meter.state_gas_spilled) == (
        700,
        0,
        300,
    )


def test_unaffordable_state_charge_leaves_the_meter_unchanged():
    meter = StateGasMeter(100, 50)
    with pytest.raises(OutOfGas):
        meter.consume_state_gas(151, "test")
    assert (meter.gas_remaining, meter.state_gas_left, meter.state_gas_spilled) == (
        100,
        50,
        0,
    )


def test_zero_state_charge_always_succeeds():
    meter = StateGasMeter(0, 0)
    meter.consume_state_gas(0, "test")
    assert meter.gas_remaining == 0


def test_refill_undoes_the_spill_first():
    meter = StateGasMeter(1_000, 500)
    meter.consume_state_gas(800, "test")
    meter.refill_state_gas(400)
    # 300 of spill returns to gas_left, the other 100 lands in the reservoir.
    assert (meter.gas_remaining, meter.state_gas_left, meter.state_gas_spilled) == (
        1_000,
        100,
        0,
    )


def test_repay_spill_moves_reservoir_back_to_gas_left():
    meter = StateGasMeter(1_000, 0)
    meter.consume_state_gas(300, "test")
    meter.state_gas_left += 200  # a cross-frame refill landed in the reservoir
    meter.repay_state_gas_spill()
    assert (meter.gas_remaining, meter.state_gas_left, meter.state_gas_spilled) == (
        900,
        0,
        100,
    )


def test_restore_rolls_back_to_the_baseline_and_drops_refunds():
    meter = StateGasMeter(1_000, 500)
    meter.consume_state_gas(700, "test")
    meter.refund_gas(4_800)
    meter.restore_state_gas()
    assert (meter.gas_remaining, meter.state_gas_left, meter.gas_refunded) == (
        1_000,
        500,
        0,
    )


def test_commit_survives_restore_but_not_restore_to_entry():
    meter = StateGasMeter(1_000, 100)
    meter.consume_state_gas(300, "authorization")
    meter.commit_state_gas()
    meter.consume_state_gas(50, "frame")
    meter.restore_state_gas()
    assert meter.state_gas_used(100) == 300
    meter.restore_to_entry(100)
    assert (meter.gas_remaining, meter.state_gas_left) == (1_000, 100)
    assert meter.state_gas_used(100) == 0


def test_signed_refund_counter():
    meter = StateGasMeter(1_000, 0)
    meter.refund_gas(-gas.REFUND_STORAGE_CLEAR)
    assert meter.gas_refunded == -11_616


def test_allocation_caps_the_execution_grant():
    intrinsic = 21_000
    grant, reservoir = allocate_evm_gas(2**24 + 100_000, intrinsic)
    assert grant == 2**24 - intrinsic
    assert reservoir == 100_000
    assert allocate_evm_gas(50_000, intrinsic) == (29_000, 0)


def environment(gas_limit: int, floor: int) -> TransactionEnvironment:
    return TransactionEnvironment(
        origin=SENDER,
        recipient=OTHER,
        is_create=False,
        data=b"",
        value=0,
        gas_limit=gas_limit,
        effective_gas_price=10,
        execution_gas_grant=gas_limit,
        state_gas_reservoir=0,
        calldata_floor=floor,
    )


def output(gas_left: int, refund: int, state_used: int) -> TopLevelOutput:
    return TopLevelOutput(
        gas_left=gas_left,
        state_gas_left=0,
        refund_counter=refund,
        state_gas_used=state_used,
        logs=(),
        accounts_to_delete=(),
        error=None,
        return_data=b"",
    )


def test_settlement_worked_example_from_the_release_vectors():
    # amsterdam.md §4.7: one slot cleared (11,616) and one created (97,920);
    # the coinbase's fee shows a receipt gas of 125,516; header gas 97,920.
    gas_limit = 500_000
    settlement = settle_transaction_gas(
        environment(gas_limit, 21_000),
        output(gas_limit - 137_132, gas.REFUND_STORAGE_CLEAR, 97_920),
    )
    assert settlement.gas_used == 125_516
    assert settlement.state_gas_used == 97_920
    assert settlement.execution_gas_used == 39_212
    assert settlement.gas_left == gas_limit - 125_516


def test_settlement_applies_the_floor_to_both_figures():
    settlement = settle_transaction_gas(
        environment(100_000, 40_000), output(100_000 - 30_000, 0, 0)
    )
    assert settlement.gas_used == 40_000
    assert settlement.execution_gas_used == 40_000


def test_settlement_caps_refund_at_a_fifth_and_clamps_negative_state_gas():
    settlement = settle_transaction_gas(
        environment(100_000, 0), output(100_000 - 50_000, 30_000, -5)
    )
    assert settlement.gas_used == 40_000
    assert settlement.state_gas_used == 0
    # EIP-7778: the block counts execution gas before refunds.
    assert settlement.execution_gas_used == 50_000
