"""
A few words of EVM assembly for the scenario catalogue.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Scenario code is written as concatenated byte strings: ``push(value)`` emits
the shortest ``PUSHn`` (never ``PUSH0``, so the same code runs on Paris),
and the helpers below emit the common sequences. ``deploy(runtime)`` wraps
runtime code in init code that returns it.
"""

STOP = b"\x00"
ADD = b"\x01"
SUB = b"\x03"
EQ = b"\x14"
ISZERO = b"\x15"
SHA3 = b"\x20"
ADDRESS = b"\x30"
BALANCE = b"\x31"
CALLER = b"\x33"
CALLVALUE = b"\x34"
CALLDATALOAD = b"\x35"
CALLDATASIZE = b"\x36"
CALLDATACOPY = b"\x37"
CODECOPY = b"\x39"
EXTCODESIZE = b"\x3b"
EXTCODECOPY = b"\x3c"
RETURNDATASIZE = b"\x3d"
RETURNDATACOPY = b"\x3e"
EXTCODEHASH = b"\x3f"
BLOCKHASH = b"\x40"
COINBASE = b"\x41"
TIMESTAMP = b"\x42"
NUMBER = b"\x43"
PREVRANDAO = b"\x44"
GASLIMIT = b"\x45"
CHAINID = b"\x46"
SELFBALANCE = b"\x47"
BASEFEE = b"\x48"
BLOBHASH = b"\x49"
BLOBBASEFEE = b"\x4a"
POP = b"\x50"
MLOAD = b"\x51"
MSTORE = b"\x52"
SLOAD = b"\x54"
SSTORE = b"\x55"
JUMPI = b"\x57"
GAS = b"\x5a"
JUMPDEST = b"\x5b"
TLOAD = b"\x5c"
TSTORE = b"\x5d"
MCOPY = b"\x5e"
PUSH0 = b"\x5f"
DUP1 = b"\x80"
LOG1 = b"\xa1"
CREATE = b"\xf0"
CALL = b"\xf1"
RETURN = b"\xf3"
DELEGATECALL = b"\xf4"
CREATE2 = b"\xf5"
STATICCALL = b"\xfa"
REVERT = b"\xfd"
INVALID = b"\xfe"
SELFDESTRUCT = b"\xff"
CLZ = b"\x1e"

PUSH1 = 0x60


def push(value: int | bytes) -> bytes:
    """Push `value` with the shortest ``PUSHn`` that holds it."""
    if isinstance(value, int):
        value = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if not 1 <= len(value) <= 32:
        raise ValueError("a push holds 1 to 32 bytes")
    return bytes([PUSH1 + len(value) - 1]) + value


def sstore(slot: int, value: bytes | int) -> bytes:
    """Store `value` (a literal, or code that pushes one) at `slot`."""
    pushed = push(value) if isinstance(value, int) else value
    return pushed + push(slot) + SSTORE


def store_result(slot: int, code: bytes) -> bytes:
    """Run `code`, which pushes one word, and store that word at `slot`."""
    return code + push(slot) + SSTORE


def sload(slot: int) -> bytes:
    """Push the value at `slot`."""
    return push(slot) + SLOAD


def calldata_to_memory() -> bytes:
    """Copy the whole call data to memory offset 0."""
    return CALLDATASIZE + push(0) + push(0) + CALLDATACOPY


def call(
    address: bytes,
    value: int = 0,
    args_size: bytes | int = 0,
    gas: bytes | int = GAS,
    opcode: bytes = CALL,
) -> bytes:
    """Call `address` with memory [0, args_size) and push the success flag."""
    size = push(args_size) if isinstance(args_size, int) else args_size
    gas_code = push(gas) if isinstance(gas, int) else gas
    with_value = push(value) if opcode == CALL else b""
    return (
        push(0) + push(0) + size + push(0) + with_value + push(address) + gas_code
    ) + opcode


def return_data_hash() -> bytes:
    """Push the keccak of the last call's return data."""
    return (
        (RETURNDATASIZE + push(0) + push(0) + RETURNDATACOPY)
        + RETURNDATASIZE
        + push(0)
        + SHA3
    )


def deploy(runtime: bytes) -> bytes:
    """Return init code that deploys `runtime`."""
    size = push(len(runtime))
    # PUSH size, DUP1, PUSH1 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN.
    offset = push(len(size) + 9)
    return size + DUP1 + offset + push(0) + CODECOPY + push(0) + RETURN + runtime


def memory_store(data: bytes, offset: int = 0) -> bytes:
    """Write `data` to memory from `offset`, one word at a time."""
    code = b""
    for start in range(0, len(data), 32):
        word = data[start : start + 32].ljust(32, b"\x00")
        code += push(word) + push(offset + start) + MSTORE
    return code
