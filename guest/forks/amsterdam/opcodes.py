"""
Amsterdam opcode table.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The inherited table with the opcodes of ``instructions`` put in: the new
``SLOTNUM`` (``0x4b``) and ``DUPN``/``SWAPN``/``EXCHANGE`` (``0xe6``-``0xe8``),
and the state-touching opcodes re-implemented for [EIP-8037] and [EIP-8038].
Their dynamic prices are charged inside the instructions, so their table
price is zero, except for the new opcodes, whose fixed price comes first.

[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8038]: https://eips.ethereum.org/EIPS/eip-8038
"""

from eth.abc import OpcodeAPI
from eth.vm import mnemonics, opcode_values
from eth.vm.opcode import as_opcode

from ..osaka import OSAKA_OPCODES
from . import instructions
from .gas import SLOTNUM, STACK_IMMEDIATE

SLOTNUM_OPCODE = 0x4B
DUPN_OPCODE = 0xE6
SWAPN_OPCODE = 0xE7
EXCHANGE_OPCODE = 0xE8

REPRICED_OPCODES: dict[int, OpcodeAPI] = {
    opcode_values.BALANCE: as_opcode(instructions.balance, mnemonics.BALANCE, 0),
    opcode_values.EXTCODESIZE: as_opcode(
        instructions.extcodesize, mnemonics.EXTCODESIZE, 0
    ),
    opcode_values.EXTCODECOPY: as_opcode(
        instructions.extcodecopy, mnemonics.EXTCODECOPY, 0
    ),
    opcode_values.EXTCODEHASH: as_opcode(
        instructions.extcodehash, mnemonics.EXTCODEHASH, 0
    ),
    opcode_values.SLOAD: as_opcode(instructions.sload, mnemonics.SLOAD, 0),
    opcode_values.SSTORE: as_opcode(instructions.sstore, mnemonics.SSTORE, 0),
    opcode_values.CREATE: as_opcode(instructions.create, mnemonics.CREATE, 0),
    opcode_values.CALL: as_opcode(instructions.call, mnemonics.CALL, 0),
    opcode_values.CALLCODE: as_opcode(instructions.callcode, mnemonics.CALLCODE, 0),
    opcode_values.DELEGATECALL: as_opcode(
        instructions.delegatecall, mnemonics.DELEGATECALL, 0
    ),
    opcode_values.CREATE2: as_opcode(instructions.create2, mnemonics.CREATE2, 0),
    opcode_values.STATICCALL: as_opcode(
        instructions.staticcall, mnemonics.STATICCALL, 0
    ),
    opcode_values.SELFDESTRUCT: as_opcode(
        instructions.selfdestruct, mnemonics.SELFDESTRUCT, 0
    ),
}

NEW_OPCODES: dict[int, OpcodeAPI] = {
    SLOTNUM_OPCODE: as_opcode(instructions.slotnum, "SLOTNUM", SLOTNUM),
    DUPN_OPCODE: as_opcode(instructions.dupn, "DUPN", STACK_IMMEDIATE),
    SWAPN_OPCODE: as_opcode(instructions.swapn, "SWAPN", STACK_IMMEDIATE),
    EXCHANGE_OPCODE: as_opcode(instructions.exchange, "EXCHANGE", STACK_IMMEDIATE),
}

AMSTERDAM_OPCODES: dict[int, OpcodeAPI] = {
    **OSAKA_OPCODES,
    **REPRICED_OPCODES,
    **NEW_OPCODES,
}
