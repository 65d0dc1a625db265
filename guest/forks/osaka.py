"""
Osaka rules on py-evm (py-evm has no Osaka).

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Adds to the Prague rules:

- the CLZ instruction ([EIP-7939]);
- MODEXP input bounds ([EIP-7823]) and its new gas rule ([EIP-7883]);
- the P256VERIFY precompile at ``0x100`` ([EIP-7951]), computed with
  pycryptodome's P-256 point arithmetic;
- the transaction gas limit cap of 2**24 ([EIP-7825]);
- at most six blobs per transaction ([EIP-7594]);
- the blob base fee floor in the excess blob gas rule ([EIP-7918]);
- the RLP block size cap ([EIP-7934]).

BPO forks only change the blob schedule ([EIP-7892]); they subclass
``OsakaVM`` in ``bpo.py``.
"""

import copy
from typing import ClassVar

import rlp
from eth import constants
from eth._utils.address import force_bytes_to_address
from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    ComputationAPI,
    OpcodeAPI,
    SignedTransactionAPI,
    TransactionExecutorAPI,
)
from eth.exceptions import VMError
from eth.precompiles.modexp import extract_lengths
from eth.vm.forks.cancun.constants import GAS_PER_BLOB
from eth.vm.opcode import as_opcode
from eth_utils.toolz import merge

from ..chain_config import OSAKA_BLOB_SCHEDULE, BlobSchedule
from ..errors import BlockException, InvalidBlock, InvalidTransaction
from ..errors import TransactionException as TxError
from .cancun import calculate_blob_gas_price
from .paris import MODEXP_ADDRESS, make_modexp, read_padded_integer
from .prague import PragueComputation, PragueState, PragueTransactionExecutor, PragueVM

CLZ_OPCODE = 0x1E
WORD_BITS = 256

TRANSACTION_GAS_LIMIT_CAP = 2**24
BLOB_COUNT_LIMIT = 6
BLOB_BASE_COST = 2**13
MAX_BLOCK_SIZE = 10 * 1024 * 1024
SAFETY_MARGIN = 2 * 1024 * 1024
MAX_RLP_BLOCK_SIZE = MAX_BLOCK_SIZE - SAFETY_MARGIN

MODEXP_MAX_INPUT_LENGTH = 1024
MODEXP_MIN_GAS = 500

P256VERIFY_ADDRESS = force_bytes_to_address(b"\x01\x00")
P256VERIFY_GAS = 6_900
P256VERIFY_INPUT_LENGTH = 160
SECP256R1_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SECP256R1_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
SECP256R1_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
SECP256R1_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5


def count_leading_zeros(computation: ComputationAPI) -> None:
    """Push the number of leading zero bits of the top word ([EIP-7939])."""
    value = computation.stack_pop1_int()
    computation.stack_push_int(WORD_BITS - value.bit_length())


def modexp_multiplication_complexity(base_length: int, modulus_length: int) -> int:
    """Estimate a multiplication's cost from the longer operand ([EIP-7883])."""
    max_length = max(base_length, modulus_length)
    words = (max_length + 7) // 8
    return 16 if max_length <= 32 else 2 * words**2


def modexp_iteration_count(exponent_length: int, exponent_head: int) -> int:
    """Estimate the squarings from the exponent's size and head ([EIP-7883])."""
    head_bits = max(exponent_head.bit_length() - 1, 0)
    if exponent_length <= 32:
        count = head_bits
    else:
        count = 16 * (exponent_length - 32) + head_bits
    return max(count, 1)


def modexp_gas_cost(data: bytes) -> int:
    """Charge MODEXP by [EIP-7883]; over-long inputs halt ([EIP-7823])."""
    base_length, exponent_length, modulus_length = extract_lengths(data)
    if max(base_length, exponent_length, modulus_length) > MODEXP_MAX_INPUT_LENGTH:
        raise VMError("MODEXP input longer than 1024 bytes")
    exponent_head = read_padded_integer(
        data, 96 + base_length, min(32, exponent_length)
    )
    cost = modexp_multiplication_complexity(
        base_length, modulus_length
    ) * modexp_iteration_count(exponent_length, exponent_head)
    return max(MODEXP_MIN_GAS, cost)


MODEXP = make_modexp(modexp_gas_cost)


def p256_verify(
    message_hash: int, r: int, s: int, public_x: int, public_y: int
) -> bool:
    """Check a P-256 ECDSA signature over a 32-byte hash ([EIP-7951])."""
    if not (0 < r < SECP256R1_N and 0 < s < SECP256R1_N):
        return False
    if not (public_x < SECP256R1_P and public_y < SECP256R1_P):
        return False
    if public_x == 0 and public_y == 0:
        return False
    # Imported on first use: loading the curve costs every guest run otherwise.
    from Crypto.PublicKey import ECC

    try:
        public_key = ECC.EccPoint(public_x, public_y, curve="P-256")
    except ValueError:
        return False
    s_inverse = pow(s, -1, SECP256R1_N)
    u1 = message_hash * s_inverse % SECP256R1_N
    u2 = r * s_inverse % SECP256R1_N
    generator = ECC.EccPoint(SECP256R1_GX, SECP256R1_GY, curve="P-256")
    point = generator * u1 + public_key * u2
    if point.is_point_at_infinity():
        return False
    return int(point.x) % SECP256R1_N == r


def p256verify(computation: ComputationAPI) -> ComputationAPI:
    """Return 1 as a word for a valid P-256 signature, else nothing."""
    computation.consume_gas(P256VERIFY_GAS, reason="P256VERIFY")
    data = computation.msg.data_as_bytes
    if len(data) != P256VERIFY_INPUT_LENGTH:
        return computation
    words = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 160, 32)]
    if p256_verify(*words):
        computation.output = (1).to_bytes(32, "big")
    return computation


OSAKA_OPCODES: dict[int, OpcodeAPI] = merge(
    copy.deepcopy(PragueComputation.opcodes),
    {
        CLZ_OPCODE: as_opcode(
            logic_fn=count_leading_zeros,
            mnemonic="CLZ",
            gas_cost=constants.GAS_LOW,
        )
    },
)


class OsakaComputation(PragueComputation):
    """Osaka computation: CLZ, Osaka MODEXP and P256VERIFY."""

    opcodes = OSAKA_OPCODES
    _precompiles = merge(
        PragueComputation._precompiles,
        {MODEXP_ADDRESS: MODEXP, P256VERIFY_ADDRESS: p256verify},
    )


class OsakaTransactionExecutor(PragueTransactionExecutor):
    """Osaka executor with named transaction refusals."""


class OsakaState(PragueState):
    """Osaka state: transaction gas cap and per-transaction blob limit."""

    computation_class = OsakaComputation
    transaction_executor_class: type[TransactionExecutorAPI] = OsakaTransactionExecutor
    blob_schedule: ClassVar[BlobSchedule] = OSAKA_BLOB_SCHEDULE
    max_blobs_per_transaction: ClassVar[int | None] = BLOB_COUNT_LIMIT

    def validate_transaction_format(self, transaction: SignedTransactionAPI) -> None:
        """Also refuse a gas limit above the transaction cap ([EIP-7825])."""
        super().validate_transaction_format(transaction)
        if transaction.gas > TRANSACTION_GAS_LIMIT_CAP:
            raise InvalidTransaction(
                TxError.GAS_LIMIT_EXCEEDS_MAXIMUM,
                f"{transaction.gas} > {TRANSACTION_GAS_LIMIT_CAP}",
            )


class OsakaVM(PragueVM):
    """
    Osaka VM: the blob base fee floor and the block size cap.

    Subclasses change ``blob_schedule`` only (BPO forks), or extend the rules
    (Amsterdam).
    """

    fork = "osaka"
    _state_class = OsakaState
    blob_schedule: ClassVar[BlobSchedule] = OSAKA_BLOB_SCHEDULE
    max_block_rlp_size: ClassVar[int] = MAX_RLP_BLOCK_SIZE

    @classmethod
    def calculate_excess_blob_gas(cls, parent_header: BlockHeaderAPI) -> int:
        """Carry blob gas above target, with the base fee floor ([EIP-7918])."""
        parent_excess = getattr(parent_header, "excess_blob_gas", 0)
        parent_used = getattr(parent_header, "blob_gas_used", 0)
        parent_base_fee = getattr(parent_header, "base_fee_per_gas", 0)
        target = cls.target_blob_gas_per_block()
        if parent_excess + parent_used < target:
            return 0
        blob_price = calculate_blob_gas_price(parent_excess, cls.blob_schedule)
        if BLOB_BASE_COST * parent_base_fee > GAS_PER_BLOB * blob_price:
            schedule = cls.blob_schedule
            delta = schedule.max - schedule.target
            return parent_excess + parent_used * delta // schedule.max
        return parent_excess + parent_used - target

    @classmethod
    def validate_block_size(cls, block: BlockAPI) -> None:
        """Refuse a block whose RLP encoding exceeds the cap ([EIP-7934])."""
        size = len(rlp.encode(block))
        if size > cls.max_block_rlp_size:
            raise InvalidBlock(
                BlockException.RLP_BLOCK_LIMIT_EXCEEDED,
                f"{size} > {cls.max_block_rlp_size}",
            )

    def validate_block(self, block: BlockAPI) -> None:
        """Also refuse an oversized block."""
        self.validate_block_size(block)
        super().validate_block(block)
