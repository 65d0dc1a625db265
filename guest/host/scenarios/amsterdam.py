"""
What Amsterdam adds to a block: new opcodes, transfer logs, state gas.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Scenarios for the rules Amsterdam brings besides the header fields that
every Amsterdam block already exercises (the block access list of
[EIP-7928] and the slot number of [EIP-7843]): the ``SLOTNUM`` opcode,
the stack opcodes with an immediate ([EIP-8024]), the logs of ETH
transfers ([EIP-7708]), and blocks whose gas is mostly state gas
([EIP-8037]), one of them with a transaction whose gas exceeds the
per-transaction cap and feeds the state gas reservoir; and the builder
requests of [EIP-8282], through the stand-in contracts of the scenario
builder.

[EIP-7708]: https://eips.ethereum.org/EIPS/eip-7708
[EIP-7843]: https://eips.ethereum.org/EIPS/eip-7843
[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-8024]: https://eips.ethereum.org/EIPS/eip-8024
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8282]: https://eips.ethereum.org/EIPS/eip-8282
"""

from ...forks.amsterdam.system_calls import (
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
)
from ...schema import ProtocolFork
from ..scenario import ETHER, Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import BALANCE, EXTCODEHASH, NUMBER, POP, SLOAD, SSTORE, call, push

SLOTNUM = b"\x4b"
DUPN = b"\xe6"
SWAPN = b"\xe7"
EXCHANGE = b"\xe8"

SLOT_READER = fixed_address(0x8001)
STACK_SHUFFLER = fixed_address(0x8002)
FORWARDER = fixed_address(0x8003)
FORWARD_RECIPIENT = fixed_address(0x8004)
SLOT_FILLER = fixed_address(0x8005)
RESERVOIR_FILLER = fixed_address(0x8006)
READER = fixed_address(0x8007)
READ_TARGET = fixed_address(0x8008)

STACK_ITEMS = 20
"""How many words the stack scenario pushes (1 first, 20 on top)."""
DUPN_18TH = 0x81
"""``DUPN`` immediate for the 18th item: ``(0x81 + 145) % 256 = 18``."""
SWAPN_17TH = 0x80
"""``SWAPN`` immediate swapping the top with the 18th item (``n = 17``)."""
EXCHANGE_10TH_17TH = 0x00
"""``EXCHANGE`` immediate ``0``: ``k = 143``, so the 10th and 17th items."""

BUILDER_PUBKEY = bytes(range(1, 49))
"""A 48-byte public key for the builder requests."""
BUILDER_WITHDRAWAL_CREDENTIALS = b"\x01" + bytes(11) + fixed_address(0x8009)
BUILDER_DEPOSIT_AMOUNT_GWEI = 32 * 10**9
BUILDER_SIGNATURE = bytes(range(100, 196))
"""A 96-byte signature (not checked by the execution layer)."""

FORWARDED_VALUE = 1_000
NEW_SLOTS = 40
RESERVOIR_SLOTS = 170
RESERVOIR_TRANSACTION_GAS = 20_000_000
"""Above the 2**24 per-transaction cap: the rest is state gas reservoir."""

OUTGROWN_BY_AMSTERDAM = {
    "creation/create_at_max_init_code_size": "its gas is below the calldata floor",
    "limits/large_calldata_transfer": "its gas is below the calldata floor",
    "limits/calldata_floor_decides_gas": "its gas is below the calldata floor",
}
"""
Catalogue scenarios whose block Amsterdam rightly refuses, and why.

Their transactions give the gas an older fork needs; Amsterdam's calldata
floor of 64 gas per byte ([EIP-7976]) makes them invalid, so they are not
Amsterdam vectors (the block would not be what the scenario describes).

[EIP-7976]: https://eips.ethereum.org/EIPS/eip-7976
"""


def applies_on(source: str, fork: ProtocolFork) -> bool:
    """Tell whether the catalogue scenario `source` (group/name) fits `fork`."""
    return fork < ProtocolFork.Amsterdam or source not in OUTGROWN_BY_AMSTERDAM


def store_stack(count: int) -> bytes:
    """Store the top `count` stack words at slots 0 (the top) onwards."""
    return b"".join(push(slot) + SSTORE for slot in range(count))


def fill_slots(first: int, count: int) -> bytes:
    """Write 1 to `count` slots from `first` on (each a new slot)."""
    return b"".join(
        push(1) + push(slot) + SSTORE for slot in range(first, first + count)
    )


@scenario(since=ProtocolFork.Amsterdam)
def slot_number_opcode(fork: ProtocolFork) -> Scenario:
    """Store SLOTNUM and NUMBER: the beacon slot is the header's field."""
    code = SLOTNUM + push(0) + SSTORE + NUMBER + push(1) + SSTORE
    return Scenario(
        pre={SLOT_READER: Account(code=code)},
        transactions=[Transaction(1, SLOT_READER, gas=1_000_000)],
    )


@scenario(since=ProtocolFork.Amsterdam)
def stack_immediate_opcodes(fork: ProtocolFork) -> Scenario:
    """Shuffle 20 words with DUPN, SWAPN and EXCHANGE; store all 21."""
    code = b"".join(push(value) for value in range(1, STACK_ITEMS + 1))
    code += DUPN + bytes([DUPN_18TH])
    code += SWAPN + bytes([SWAPN_17TH])
    code += EXCHANGE + bytes([EXCHANGE_10TH_17TH])
    code += store_stack(STACK_ITEMS + 1)
    return Scenario(
        pre={STACK_SHUFFLER: Account(code=code)},
        transactions=[Transaction(1, STACK_SHUFFLER, gas=3_000_000)],
    )


@scenario(since=ProtocolFork.Amsterdam)
def eth_transfer_logs(fork: ProtocolFork) -> Scenario:
    """Move ETH by a transaction, a CALL with value and to a new account."""
    forward = call(FORWARD_RECIPIENT, value=FORWARDED_VALUE) + POP
    return Scenario(
        pre={
            FORWARDER: Account(code=forward),
            FORWARD_RECIPIENT: Account(balance=1),
        },
        transactions=[
            Transaction(1, FORWARDER, value=5 * FORWARDED_VALUE),
            Transaction(2, fixed_address(0x8100), value=ETHER, gas=300_000),
        ],
    )


@scenario(since=ProtocolFork.Amsterdam)
def state_gas_new_accounts(fork: ProtocolFork) -> Scenario:
    """Create eight accounts by plain transfers: state gas decides."""
    return Scenario(
        transactions=[
            Transaction(1, fixed_address(0x8200 + index), value=index + 1, gas=300_000)
            for index in range(8)
        ],
    )


@scenario(since=ProtocolFork.Amsterdam)
def state_gas_new_storage(fork: ProtocolFork) -> Scenario:
    """Write 40 new slots in one transaction: the header counts state gas."""
    return Scenario(
        pre={SLOT_FILLER: Account(code=fill_slots(1, NEW_SLOTS))},
        transactions=[Transaction(1, SLOT_FILLER, gas=6_000_000)],
    )


@scenario(since=ProtocolFork.Amsterdam)
def transaction_gas_above_cap_fills_reservoir(fork: ProtocolFork) -> Scenario:
    """Give 20M gas, above the 2**24 cap, to write 170 new slots."""
    return Scenario(
        pre={RESERVOIR_FILLER: Account(code=fill_slots(1, RESERVOIR_SLOTS))},
        transactions=[Transaction(1, RESERVOIR_FILLER, gas=RESERVOIR_TRANSACTION_GAS)],
    )


@scenario(since=ProtocolFork.Amsterdam)
def read_only_accesses(fork: ProtocolFork) -> Scenario:
    """Read a balance, a code hash and slots: reads only in the access list."""
    code = (
        push(READ_TARGET)
        + BALANCE
        + POP
        + push(READ_TARGET)
        + EXTCODEHASH
        + POP
        + push(5)
        + SLOAD
        + POP
        + push(6)
        + SLOAD
        + POP
    )
    return Scenario(
        pre={
            READER: Account(code=code, storage={5: 55}),
            READ_TARGET: Account(balance=7, code=b"\x00"),
        },
        transactions=[Transaction(1, READER)],
    )


@scenario(since=ProtocolFork.Amsterdam)
def builder_exit_request(fork: ProtocolFork) -> Scenario:
    """Queue a builder exit: the block's requests carry type 0x04."""
    return Scenario(
        transactions=[
            Transaction(
                1, BUILDER_EXIT_CONTRACT_ADDRESS, data=BUILDER_PUBKEY, gas=1_000_000
            )
        ],
    )


@scenario(since=ProtocolFork.Amsterdam)
def builder_deposit_request(fork: ProtocolFork) -> Scenario:
    """Queue a builder deposit: the block's requests carry type 0x03."""
    record = (
        BUILDER_PUBKEY
        + BUILDER_WITHDRAWAL_CREDENTIALS
        + BUILDER_DEPOSIT_AMOUNT_GWEI.to_bytes(8, "little")
        + BUILDER_SIGNATURE
    )
    return Scenario(
        transactions=[
            Transaction(1, BUILDER_DEPOSIT_CONTRACT_ADDRESS, data=record, gas=2_000_000)
        ],
    )
