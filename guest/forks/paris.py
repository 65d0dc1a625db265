"""
Paris rules: the post-merge base of every guest VM.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

py-evm's ``ParisVM`` is extended here with what every later guest fork
inherits:

- the MODEXP result fix: py-evm returns 0 when the base length is zero, but
  ``0 ** 0 mod m`` is ``1 mod m`` ([EIP-198]); the bug exists in every fork
  since Byzantium, so each guest fork's computation installs the fixed
  precompile;
- transaction validity in the order of the specification, raising
  ``InvalidTransaction`` with the EEST name of the rule (py-evm raises a
  generic ``ValidationError``, checks some rules late or not at all: the
  sender-is-EOA rule of [EIP-3607]);
- the account rules py-evm gets wrong after the merge: no
  touch-based clearing of empty accounts ([EIP-161], [EIP-7523]) but deletion
  of an account a balance change leaves empty, and storage counting as a
  creation collision ([EIP-7610]);
- header validity against the parent, raising ``InvalidBlock`` with the EEST
  name of the rule (the rules themselves live in ``guest.headers``, so that
  py-evm's own imports and the stateless pipeline apply the same ones);
- ``header_commitments``: the header values execution recomputes, in the
  specification's order, which the pipeline compares.
"""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from eth import constants
from eth._utils.address import force_bytes_to_address
from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    TransactionExecutorAPI,
)
from eth.constants import BLANK_ROOT_HASH
from eth.precompiles.modexp import extract_lengths
from eth.vm.forks.berlin.computation import _compute_modexp_gas_fee_eip_2565
from eth.vm.forks.paris import ParisVM as PyEvmParisVM
from eth.vm.forks.paris.computation import ParisComputation as PyEvmParisComputation
from eth.vm.forks.paris.state import ParisState as PyEvmParisState
from eth.vm.forks.paris.state import (
    ParisTransactionExecutor as PyEvmParisTransactionExecutor,
)
from eth.vm.forks.spurious_dragon.state import SpuriousDragonTransactionExecutor
from eth_keys.constants import SECPK1_N
from eth_typing import Address
from eth_utils import keccak
from eth_utils.toolz import merge

from ..errors import BlockException, InvalidBlock, InvalidTransaction
from ..errors import TransactionException as TxError
from ..headers import validate_header

MODEXP_ADDRESS = force_bytes_to_address(b"\x05")
MAX_NONCE = 2**64 - 1
MAX_EXTRA_DATA_SIZE = 32
EMPTY_OMMERS_HASH = keccak(bytes.fromhex("c0"))
POST_MERGE_NONCE = b"\x00" * 8
GAS_LIMIT_ADJUSTMENT_FACTOR = constants.GAS_LIMIT_ADJUSTMENT_FACTOR
GAS_LIMIT_MINIMUM = constants.GAS_LIMIT_MINIMUM

HeaderCommitments = tuple[tuple[str, BlockException], ...]

PARIS_HEADER_COMMITMENTS: HeaderCommitments = (
    ("gas_used", BlockException.INVALID_GAS_USED),
    ("transaction_root", BlockException.INVALID_TRANSACTIONS_ROOT),
    ("state_root", BlockException.INVALID_STATE_ROOT),
    ("receipt_root", BlockException.INVALID_RECEIPTS_ROOT),
    ("bloom", BlockException.INVALID_LOG_BLOOM),
)
"""Header values execution recomputes, in the order the specification compares."""

Precompile = Callable[[ComputationAPI], ComputationAPI]
PrecompileTable = dict[Address, Precompile]


def modexp_operands(data: bytes) -> tuple[int, int, int, int]:
    """Read MODEXP's lengths and modulus; operands past the input are zeros."""
    base_length, exponent_length, modulus_length = extract_lengths(data)
    modulus_start = 96 + base_length + exponent_length
    modulus = read_padded_integer(data, modulus_start, modulus_length)
    return base_length, exponent_length, modulus_length, modulus


def read_padded_integer(data: bytes, start: int, length: int) -> int:
    """Read a big-endian integer from input that is zero-padded to any size."""
    if length == 0:
        return 0
    chunk = data[start : start + length]
    return int.from_bytes(chunk + b"\x00" * (length - len(chunk)), "big")


def modexp_output(data: bytes) -> bytes:
    """
    Compute ``base ** exponent mod modulus`` as ``modulus_length`` bytes.

    Unlike py-evm, a zero-length base is the number 0, so ``0 ** 0 mod m`` is
    ``1 mod m`` ([EIP-198]).
    """
    base_length, exponent_length, modulus_length, modulus = modexp_operands(data)
    if modulus_length == 0:
        return b""
    if modulus == 0:
        return b"\x00" * modulus_length
    base = read_padded_integer(data, 96, base_length)
    exponent = read_padded_integer(data, 96 + base_length, exponent_length)
    return pow(base, exponent, modulus).to_bytes(modulus_length, "big")


def make_modexp(gas_cost: Callable[[bytes], int]) -> Precompile:
    """Build the MODEXP precompile with a fork's gas rule and the fixed result."""

    def modexp(computation: ComputationAPI) -> ComputationAPI:
        data = computation.msg.data_as_bytes
        computation.consume_gas(gas_cost(data), reason="MODEXP")
        computation.output = modexp_output(data)
        return computation

    return modexp


MODEXP = make_modexp(_compute_modexp_gas_fee_eip_2565)


def with_fixed_modexp(precompiles: PrecompileTable) -> PrecompileTable:
    """Replace py-evm's MODEXP in a precompile table with the fixed one."""
    return merge(precompiles, {MODEXP_ADDRESS: MODEXP})


class ParisComputation(PyEvmParisComputation):
    """Paris computation with the fixed MODEXP."""

    _precompiles = with_fixed_modexp(PyEvmParisComputation._precompiles)  # type: ignore[assignment]


def recover_sender(transaction: SignedTransactionAPI) -> Address:
    """Recover the transaction's sender from its signature."""
    return transaction.sender


def calculate_calldata_tokens(data: bytes) -> int:
    """Count calldata tokens: one per zero byte, four per other byte."""
    zero_bytes = data.count(0)
    return zero_bytes + (len(data) - zero_bytes) * 4


class ParisTransactionExecutor(PyEvmParisTransactionExecutor):
    """
    Named transaction refusals, and no touch-based account clearing.

    After the merge the specification no longer deletes every touched empty
    account ([EIP-161] as amended by [EIP-7523]); it only deletes an account
    that a balance change leaves empty, which ``ParisState.set_balance`` does.
    """

    def validate_transaction(self, transaction: SignedTransactionAPI) -> None:
        """Refuse an invalid transaction by the specification's rule name."""
        state: Any = self.vm_state
        state.validate_transaction_format(transaction)
        state.validate_transaction(transaction)
        transaction.validate()

    def finalize_computation(
        self, transaction: SignedTransactionAPI, computation: ComputationAPI
    ) -> ComputationAPI:
        """Settle gas and fees without py-evm's touched-account clearing."""
        return super(SpuriousDragonTransactionExecutor, self).finalize_computation(
            transaction, computation
        )


class ParisState(PyEvmParisState):
    """
    Paris state whose transaction checks raise named refusals.

    ``validate_transaction_format`` holds the checks that need no state (the
    specification's ``validate_transaction``); ``validate_transaction`` the
    ones that do (the specification's ``check_transaction``).
    """

    computation_class = ParisComputation
    transaction_executor_class: type[TransactionExecutorAPI] = ParisTransactionExecutor

    def has_code_or_nonce(self, address: Address) -> bool:
        """Also treat an address with storage as taken ([EIP-7610])."""
        return super().has_code_or_nonce(address) or self.has_storage(address)

    def has_storage(self, address: Address) -> bool:
        """Tell whether the account has storage, as of its last committed root."""
        account_db: Any = self._account_db
        return account_db._get_storage_root(address) != BLANK_ROOT_HASH

    def touch_account(self, address: Address) -> None:
        """Create nothing: a call without value leaves absent accounts absent."""

    def set_balance(self, address: Address, balance: int) -> None:
        """Set a balance; delete the account if that leaves it empty."""
        super().set_balance(address, balance)
        if self.account_is_empty(address):
            self.delete_account(address)

    def calculate_intrinsic_gas(self, transaction: SignedTransactionAPI) -> int:
        """Return the gas a transaction costs before any code runs."""
        return transaction.intrinsic_gas

    def validate_transaction_format(self, transaction: SignedTransactionAPI) -> None:
        """Refuse a transaction that is invalid whatever the state."""
        intrinsic_gas = self.calculate_intrinsic_gas(transaction)
        if intrinsic_gas > transaction.gas:
            raise InvalidTransaction(
                TxError.INTRINSIC_GAS_TOO_LOW,
                f"intrinsic gas {intrinsic_gas} > {transaction.gas}",
            )
        if transaction.nonce >= MAX_NONCE:
            raise InvalidTransaction(TxError.NONCE_IS_MAX, str(transaction.nonce))

    def validate_transaction(self, transaction: SignedTransactionAPI) -> None:
        """Refuse a transaction the current state cannot include."""
        self.validate_transaction_signature(transaction)
        self.validate_transaction_fees(transaction)
        self.validate_transaction_type_rules(transaction)
        self.validate_transaction_sender(transaction)

    def validate_transaction_signature(self, transaction: SignedTransactionAPI) -> None:
        """Refuse a wrong chain id or a signature that recovers no sender."""
        chain_id = self.execution_context.chain_id
        if transaction.chain_id is not None and transaction.chain_id != chain_id:
            raise InvalidTransaction(
                TxError.INVALID_CHAINID, f"{transaction.chain_id} != {chain_id}"
            )
        if not (0 < transaction.r < SECPK1_N and 0 < transaction.s <= SECPK1_N // 2):
            raise InvalidTransaction(TxError.INVALID_SIGNATURE_VRS, "r or s")
        try:
            recover_sender(transaction)
        except Exception as error:
            raise InvalidTransaction(
                TxError.INVALID_SIGNATURE_VRS, str(error)
            ) from error

    def validate_transaction_fees(self, transaction: SignedTransactionAPI) -> None:
        """Refuse fee caps that cannot pay the block's base fee."""
        if transaction.max_priority_fee_per_gas > transaction.max_fee_per_gas:
            raise InvalidTransaction(TxError.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS)
        base_fee = self.execution_context.base_fee_per_gas or 0
        if transaction.max_fee_per_gas < base_fee:
            raise InvalidTransaction(
                TxError.INSUFFICIENT_MAX_FEE_PER_GAS,
                f"{transaction.max_fee_per_gas} < base fee {base_fee}",
            )

    def validate_transaction_type_rules(
        self, transaction: SignedTransactionAPI
    ) -> None:
        """Refuse what a transaction type forbids (none before Cancun)."""

    def max_transaction_cost(self, transaction: SignedTransactionAPI) -> int:
        """Return the most the sender can be charged, value included."""
        return transaction.gas * transaction.max_fee_per_gas + transaction.value

    def sender_code_is_allowed(self, code: bytes) -> bool:
        """Tell whether a sender with this code is an EOA ([EIP-3607])."""
        return code == b""

    def validate_transaction_sender(self, transaction: SignedTransactionAPI) -> None:
        """Refuse a wrong nonce, an unfunded sender or a sender with code."""
        sender = transaction.sender
        nonce = self.get_nonce(sender)
        if nonce > transaction.nonce:
            raise InvalidTransaction(
                TxError.NONCE_MISMATCH_TOO_LOW, f"{transaction.nonce} < {nonce}"
            )
        if nonce < transaction.nonce:
            raise InvalidTransaction(
                TxError.NONCE_MISMATCH_TOO_HIGH, f"{transaction.nonce} > {nonce}"
            )
        balance = self.get_balance(sender)
        cost = self.max_transaction_cost(transaction)
        if balance < cost:
            raise InvalidTransaction(
                TxError.INSUFFICIENT_ACCOUNT_FUNDS, f"{balance} < {cost}"
            )
        if not self.sender_code_is_allowed(self.get_code(sender)):
            raise InvalidTransaction(TxError.SENDER_NOT_EOA)


class ParisVM(PyEvmParisVM):
    """
    Paris VM with named refusals for transactions, headers and commitments.

    Hooks added for the stateless pipeline (also on every later fork):
    ``validate_header(header, parent)`` raises ``InvalidBlock`` by the rules
    of ``guest.headers.validate_header``; ``header_commitments`` lists the
    header values execution recomputes; transaction refusals raised while
    applying a block carry the transaction's index.
    """

    _state_class = ParisState
    _transactions_applied = 0
    header_commitments: ClassVar[HeaderCommitments] = PARIS_HEADER_COMMITMENTS

    @classmethod
    def validate_header(
        cls, header: BlockHeaderAPI, parent_header: BlockHeaderAPI
    ) -> None:
        """Refuse a header that does not follow its parent, as the pipeline does."""
        if parent_header is None:
            raise InvalidBlock(BlockException.UNKNOWN_PARENT, "no parent header")
        validate_header(cls, header, parent_header, parent_header.hash)

    def block_preprocessing(self, block: BlockAPI) -> None:
        """Run the fork's system calls before the transactions (none in Paris)."""

    def block_postprocessing(self, block: BlockAPI) -> BlockAPI:
        """Collect the fork's requests after the withdrawals (none in Paris)."""
        return block

    def validate_transaction_against_header(
        self, base_header: BlockHeaderAPI, transaction: SignedTransactionAPI
    ) -> None:
        """Refuse a malformed transaction, then one the block has no room for."""
        state: Any = self.state
        state.validate_transaction_format(transaction)
        gas_available = base_header.gas_limit - base_header.gas_used
        if transaction.gas > gas_available:
            raise InvalidTransaction(
                TxError.GAS_ALLOWANCE_EXCEEDED,
                f"{transaction.gas} > {gas_available}",
            )

    def apply_all_transactions(
        self, transactions: Sequence[SignedTransactionAPI], base_header: BlockHeaderAPI
    ) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI, ...]]:
        """Apply the transactions; a refusal names the failing index."""
        self._transactions_applied = 0
        try:
            return super().apply_all_transactions(transactions, base_header)
        except InvalidTransaction as error:
            if error.index is not None:
                raise
            raise InvalidTransaction(
                error.exception, error.detail, index=self._transactions_applied
            ) from error

    def transaction_applied_hook(
        self, transaction_index: int, *args: Any, **kwargs: Any
    ) -> None:
        """Count applied transactions so that a refusal can name its index."""
        self._transactions_applied = transaction_index + 1
        super().transaction_applied_hook(transaction_index, *args, **kwargs)

    def validate_block(self, block: BlockAPI) -> None:
        """Refuse ommers, then apply py-evm's block checks."""
        if block.uncles:
            raise InvalidBlock(BlockException.INCORRECT_BLOCK_FORMAT, "ommers")
        super().validate_block(block)
