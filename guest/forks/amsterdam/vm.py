"""Amsterdam virtual machine: block processing.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``AmsterdamVM`` executes a block, through the py-evm hooks the stateless
pipeline calls (``guest/stateless.py``), in the order of the
specification's ``apply_body``:

1. block access index 0: the beacon-roots and history system calls;
2. index ``i + 1``: transaction ``i`` (admission, execution, settlement and
   fees are the transaction side's ``process_transaction``);
3. index ``n + 1``: all withdrawals as one unit, then the deposit requests
   from the receipts' logs and the four checked request system calls;
4. the block access list is built and its size checked against the gas
   limit ([EIP-7928]).

The hooks fill in the header the execution computes, which the pipeline
compares with the stated one in ``header_commitments`` order: ``gas_used``
is the larger of the block's execution and state gas ([EIP-8037],
[EIP-7778]), and the block access list hash is compared last.

[EIP-7778]: https://eips.ethereum.org/EIPS/eip-7778
[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_
from typing import Any, cast

from eth.abc import (
    BlockAndMetaWitness,
    BlockAPI,
    BlockHeaderAPI,
    ChainContextAPI,
    ComputationAPI,
    ExecutionContextAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    WithdrawalAPI,
)
from eth_typing import Address, Hash32

from ...errors import BlockException
from ...payload import trie_root
from ..bpo import BPO2VM
from ..osaka import MAX_RLP_BLOCK_SIZE
from .block_access_list import (
    encode_block_access_list,
    hash_block_access_list,
    validate_block_access_list_gas_limit,
)
from .blocks import AmsterdamBlock, AmsterdamBlockHeader
from .computation import AmsterdamExecutionContext
from .requests import collect_requests, compute_requests_hash
from .state import AmsterdamState
from .system_calls import (
    BEACON_ROOTS_ADDRESS,
    HISTORY_STORAGE_ADDRESS,
    process_unchecked_system_transaction,
)
from .transactions import BlockGasCounters, process_transaction

GWEI_TO_WEI = 10**9

SYSTEM_CALLS_BLOCK_ACCESS_INDEX = 0
"""Block access index of the start-of-block system calls."""


class AmsterdamVM(BPO2VM):
    """Execute Amsterdam blocks: system calls, BAL, two-dimensional gas."""

    fork = "amsterdam"
    block_class = AmsterdamBlock
    _state_class: type[Any] = AmsterdamState
    header_commitments = BPO2VM.header_commitments + (
        ("block_access_list_hash", BlockException.INVALID_BLOCK_ACCESS_LIST),
    )
    """The BPO2 commitments, then the block access list ([EIP-7928])."""
    max_block_rlp_size = MAX_RLP_BLOCK_SIZE
    """[EIP-7934]: the block size cap less the safety margin."""
    _receipts: tuple[ReceiptAPI, ...] = ()

    @classmethod
    def create_execution_context(
        cls,
        header: BlockHeaderAPI,
        prev_hashes: Iterable[Hash32],
        chain_context: ChainContextAPI,
    ) -> ExecutionContextAPI:
        """
        Also carry the slot number, for the ``SLOTNUM`` opcode ([EIP-7843]).

        py-evm builds the genesis state under a pre-genesis header that has
        no base fee, blob gas or slot number: those read as absent.
        """
        return AmsterdamExecutionContext(
            coinbase=header.coinbase,
            timestamp=header.timestamp,
            block_number=header.block_number,
            difficulty=header.difficulty,
            mix_hash=header.mix_hash,
            gas_limit=header.gas_limit,
            prev_hashes=prev_hashes,
            chain_id=chain_context.chain_id,
            base_fee_per_gas=getattr(header, "base_fee_per_gas", None),
            excess_blob_gas=getattr(header, "excess_blob_gas", None),
            slot_number=getattr(header, "slot_number", 0),
        )

    @classmethod
    def create_header_from_parent(  # type: ignore[override]
        cls, parent_header: BlockHeaderAPI | None, **header_params: Any
    ) -> BlockHeaderAPI:
        """Build the child header, with the two Amsterdam fields."""
        amsterdam_params = {
            name: header_params.pop(name)
            for name in ("block_access_list_hash", "slot_number")
            if name in header_params
        }
        header = super().create_header_from_parent(parent_header, **header_params)
        fields = {str(name): value for name, value in header.as_dict().items()}
        return AmsterdamBlockHeader(**fields, **amsterdam_params)

    def import_block(self, block: BlockAPI) -> BlockAndMetaWitness:
        """
        Keep what py-evm's import does not copy into the VM's block.

        The slot number, and the transactions, whose count gives the block
        access index of withdrawals and requests (``post_execution_index``).
        """
        slot_number = cast(AmsterdamBlockHeader, block.header).slot_number
        header = self.get_header().copy(slot_number=slot_number)
        self._block = self.get_block().copy(
            header=header, transactions=block.transactions
        )
        return super().import_block(block)

    # Block execution, through the hooks the stateless pipeline calls.

    def block_preprocessing(self, block: BlockAPI) -> None:
        """Run the start-of-block system calls at block access index 0."""
        state = self.amsterdam_state
        header: Any = block.header
        state.begin_block_access_index(SYSTEM_CALLS_BLOCK_ACCESS_INDEX)
        process_unchecked_system_transaction(
            state, BEACON_ROOTS_ADDRESS, header.parent_beacon_block_root
        )
        process_unchecked_system_transaction(
            state, HISTORY_STORAGE_ADDRESS, header.parent_hash
        )

    def apply_all_transactions(
        self, transactions: Sequence[SignedTransactionAPI], base_header: BlockHeaderAPI
    ) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI, ...]]:
        """Run each transaction at its own index; count both gas dimensions."""
        state = self.amsterdam_state
        counters = BlockGasCounters(gas_limit=base_header.gas_limit)
        receipts = []
        for index, transaction in enumerate(transactions):
            state.begin_unit()
            state.begin_block_access_index(index + 1)
            receipts.append(
                process_transaction(state, transaction, counters, index).receipt
            )
        self._receipts = tuple(receipts)
        header = base_header.copy(
            gas_used=counters.header_gas_used,
            bloom=reduce(or_, (int(receipt.bloom) for receipt in receipts), 0),
            blob_gas_used=counters.blob_gas_used,
        )
        return header, self._receipts, ()

    def apply_all_withdrawals(self, withdrawals: Sequence[WithdrawalAPI]) -> None:
        """Credit every withdrawal at index ``n + 1``, in one unit."""
        state = self.amsterdam_state
        state.begin_unit()
        state.begin_block_access_index(self.post_execution_index)
        for withdrawal in withdrawals:
            address = Address(withdrawal.address)
            state.delta_balance(address, withdrawal.amount * GWEI_TO_WEI)

    def set_block_transactions_and_withdrawals(
        self,
        base_block: BlockAPI,
        new_header: BlockHeaderAPI,
        transactions: Sequence[SignedTransactionAPI],
        receipts: Sequence[ReceiptAPI],
        withdrawals: Sequence[WithdrawalAPI] | None = None,
    ) -> BlockAPI:
        """Fill in the transactions, receipts and withdrawals roots."""
        header = new_header.copy(
            transaction_root=trie_root([tx.encode() for tx in transactions]),
            receipt_root=trie_root([r.encode() for r in receipts]),
            withdrawals_root=trie_root([w.encode() for w in withdrawals or ()]),
        )
        return base_block.copy(header=header, transactions=transactions)

    def block_postprocessing(self, block: BlockAPI) -> BlockAPI:
        """Collect the requests, then build and bound the block access list."""
        state = self.amsterdam_state
        state.begin_block_access_index(self.post_execution_index)
        requests = collect_requests(state, self._receipts)
        block_access_list = state.build_block_access_list()
        validate_block_access_list_gas_limit(block_access_list, block.header.gas_limit)
        header = block.header.copy(
            requests_hash=compute_requests_hash(requests),
            block_access_list_hash=hash_block_access_list(block_access_list),
        )
        processed = block.copy(header=header)
        processed.block_requests = requests
        # The access list is no part of the block: hand it to the host, which
        # puts it in the payload ([EIP-7928]).
        processed.block_access_list = encode_block_access_list(  # type: ignore[attr-defined]
            block_access_list
        )
        return processed

    def _assign_block_rewards(self, block: BlockAPI) -> None:
        """Pay nothing: there are no block rewards after the merge."""

    @property
    def amsterdam_state(self) -> AmsterdamState:
        """Return the state, which tracks accesses for the block access list."""
        return cast(AmsterdamState, self.state)

    @property
    def post_execution_index(self) -> int:
        """Return ``n + 1``, the index of withdrawals and request system calls."""
        return len(self.get_block().transactions) + 1
