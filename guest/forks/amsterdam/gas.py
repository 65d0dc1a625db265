"""
Amsterdam gas constants.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The prices of the Amsterdam execution layer, in the two dimensions of
[EIP-8037]: *execution gas* (computation and state access, repriced by
[EIP-8038]) and *state gas* (state growth, priced per byte). Transaction
prices follow [EIP-2780], [EIP-7976] and [EIP-7981]. Every derived price is
written as the formula that defines it.

[EIP-2780]: https://eips.ethereum.org/EIPS/eip-2780
[EIP-7976]: https://eips.ethereum.org/EIPS/eip-7976
[EIP-7981]: https://eips.ethereum.org/EIPS/eip-7981
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8038]: https://eips.ethereum.org/EIPS/eip-8038
"""

# Access prices [EIP-2929] as repriced by [EIP-8038].
WARM_ACCESS = 100
COLD_ACCOUNT_ACCESS = 3_000
COLD_STORAGE_ACCESS = 2_100

# Write prices [EIP-8038].
ACCOUNT_WRITE = 9_000
STORAGE_WRITE = 10_000
CALL_STIPEND = 2_300
CALL_VALUE = ACCOUNT_WRITE + CALL_STIPEND
CREATE_ACCESS = ACCOUNT_WRITE + COLD_ACCOUNT_ACCESS
SELFDESTRUCT_BASE = 5_000
SELFDESTRUCT_NEW_ACCOUNT = ACCOUNT_WRITE
SSTORE_SENTRY = CALL_STIPEND + 1
REFUND_STORAGE_CLEAR = (STORAGE_WRITE + COLD_STORAGE_ACCESS) * 4_800 // 5_000

# Code prices.
INIT_CODE_WORD = 2
KECCAK_WORD = 6
CODE_DEPOSIT_HASH_WORD = KECCAK_WORD
COPY_WORD = 3
MAX_CODE_SIZE = 0x10000
MAX_INIT_CODE_SIZE = 2 * MAX_CODE_SIZE

# New opcodes [EIP-7843] [EIP-8024].
SLOTNUM = 2
STACK_IMMEDIATE = 3

# State gas [EIP-8037]: bytes of state times the price of a byte.
COST_PER_STATE_BYTE = 1_530
STATE_BYTES_PER_NEW_ACCOUNT = 120
STATE_BYTES_PER_STORAGE_SET = 64
STATE_BYTES_PER_AUTH_BASE = 23
NEW_ACCOUNT_STATE_GAS = STATE_BYTES_PER_NEW_ACCOUNT * COST_PER_STATE_BYTE
STORAGE_SET_STATE_GAS = STATE_BYTES_PER_STORAGE_SET * COST_PER_STATE_BYTE
AUTH_BASE_STATE_GAS = STATE_BYTES_PER_AUTH_BASE * COST_PER_STATE_BYTE

# Transaction prices [EIP-2780] [EIP-7976] [EIP-7981].
TX_BASE = 12_000
TX_VALUE_COST = 6_000
TX_DATA_TOKEN_STANDARD = 4
TX_DATA_TOKEN_FLOOR = 16
NONZERO_BYTE_TOKENS = 4
FLOOR_TOKENS_PER_BYTE = 4
TX_ACCESS_LIST_ADDRESS = COLD_ACCOUNT_ACCESS - WARM_ACCESS
TX_ACCESS_LIST_STORAGE_KEY = COLD_STORAGE_ACCESS - WARM_ACCESS
ADDRESS_BYTES = 20
STORAGE_KEY_BYTES = 32
ACCESS_LIST_ADDRESS_FLOOR_TOKENS = ADDRESS_BYTES * FLOOR_TOKENS_PER_BYTE
ACCESS_LIST_STORAGE_KEY_FLOOR_TOKENS = STORAGE_KEY_BYTES * FLOOR_TOKENS_PER_BYTE
ECRECOVER = 3_000
EXECUTION_PER_AUTH_BASE_COST = (
    101 * TX_DATA_TOKEN_FLOOR + ECRECOVER + COLD_ACCOUNT_ACCESS + 2 * WARM_ACCESS
)

# Transaction gas caps [EIP-7825] [EIP-8037].
TX_MAX_GAS_LIMIT = 2**24
TX_MAX_TOTAL_GAS_LIMIT = 2**32 - 1

# Refund cap [EIP-3529].
MAX_REFUND_QUOTIENT = 5

# Blobs (BPO2 schedule, kept by Amsterdam).
GAS_PER_BLOB = 2**17
MAX_BLOBS_PER_BLOCK = 21
MAX_BLOB_GAS_PER_BLOCK = MAX_BLOBS_PER_BLOCK * GAS_PER_BLOB
MAX_BLOBS_PER_TRANSACTION = 6

# System calls [EIP-8037]: an execution grant plus room for sixteen new slots.
SYSTEM_CALL_EXECUTION_GAS = 30_000_000
SYSTEM_CALL_MAX_NEW_SLOTS = 16
SYSTEM_CALL_STATE_GAS_RESERVOIR = SYSTEM_CALL_MAX_NEW_SLOTS * STORAGE_SET_STATE_GAS


def words(size: int) -> int:
    """Count the 32-byte words that cover ``size`` bytes."""
    return (size + 31) // 32


def init_code_cost(size: int) -> int:
    """Price init code by its words [EIP-3860]."""
    return INIT_CODE_WORD * words(size)


def code_deposit_execution_cost(size: int) -> int:
    """Price hashing deployed code by its words [EIP-8037]."""
    return CODE_DEPOSIT_HASH_WORD * words(size)


def code_deposit_state_gas(size: int) -> int:
    """Price the bytes of deployed code as state growth [EIP-8037]."""
    return COST_PER_STATE_BYTE * size


def access_cost(was_cold: bool) -> int:
    """Price an account access by whether it was cold [EIP-8038]."""
    return COLD_ACCOUNT_ACCESS if was_cold else WARM_ACCESS


def max_message_call_gas(gas: int) -> int:
    """Keep 1/64 of the gas in the calling frame [EIP-150]."""
    return gas - gas // 64
