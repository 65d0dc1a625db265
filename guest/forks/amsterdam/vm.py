"""Amsterdam virtual machine: block processing.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``AmsterdamVM.import_block`` executes a block in the order of the
specification's ``apply_body``:

1. block access index 0: the beacon-roots and history system calls;
2. index ``i + 1``: transaction ``i`` (admission, execution, settlement and
   fees are the transaction side's ``process_transaction``);
3. index ``n + 1``: all withdrawals as one unit, then the deposit requests
   from the receipts' logs and the four checked request system calls;
4. the block access list is built and its size checked against the gas
   limit ([EIP-7928]).

It returns the block with the header the execution computed, so that the
pipeline compares it with the stated one in ``commitment_checks`` order: the
header's ``gas_used`` is the larger of the block's execution and state gas
([EIP-8037], [EIP-7778]), and the block access list hash is compared last.

[EIP-7778]: https://eips.ethereum.org/EIPS/eip-7778
[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from eth.abc import (
    BlockAndMetaWitness,
    BlockAPI,
    BlockHeaderAPI,
    ChainContextAPI,
    ExecutionContextAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    WithdrawalAPI,
)
from eth.vm.forks.prague import PragueVM
from eth_typing import Address, Hash32

from ...errors import BlockException
from .block_access_list import (
    BlockAccessList,
    hash_block_access_list,
    validate_block_access_list_gas_limit,
)
from .blocks import AmsterdamBlock, AmsterdamBlockHeader, ordered_trie_root
from .computation import AmsterdamExecutionContext
from .requests import (
    DEPOSIT_REQUEST_TYPE,
    compute_requests_hash,
    parse_deposit_requests,
)
from .state import AmsterdamState
from .system_calls import (
    BEACON_ROOTS_ADDRESS,
    HISTORY_STORAGE_ADDRESS,
    process_request_system_calls,
    process_unchecked_system_transaction,
)

GWEI_TO_WEI = 10**9

SYSTEM_CALLS_BLOCK_ACCESS_INDEX = 0
"""Block access index of the start-of-block system calls."""


@dataclass
class AmsterdamBlockOutput:
    """Collect what executing a block's body produced."""

    receipts: list[ReceiptAPI] = field(default_factory=list)
    execution_gas_used: int = 0
    state_gas_used: int = 0
    blob_gas_used: int = 0
    requests: list[bytes] = field(default_factory=list)
    block_access_list: BlockAccessList = ()

    @property
    def gas_used(self) -> int:
        """Return the header's gas used: the larger of the two dimensions."""
        return max(self.execution_gas_used, self.state_gas_used)


class AmsterdamVM(PragueVM):
    """Execute Amsterdam blocks: system calls, BAL, two-dimensional gas."""

    fork = "amsterdam"
    block_class = AmsterdamBlock
    _state_class: type[Any] = AmsterdamState

    @classmethod
    def create_execution_context(
        cls,
        header: BlockHeaderAPI,
        prev_hashes: Iterable[Hash32],
        chain_context: ChainContextAPI,
    ) -> ExecutionContextAPI:
        """Also carry the slot number, for the ``SLOTNUM`` opcode ([EIP-7843])."""
        return AmsterdamExecutionContext(
            coinbase=header.coinbase,
            timestamp=header.timestamp,
            block_number=header.block_number,
            difficulty=header.difficulty,
            mix_hash=header.mix_hash,
            gas_limit=header.gas_limit,
            prev_hashes=prev_hashes,
            chain_id=chain_context.chain_id,
            base_fee_per_gas=header.base_fee_per_gas,
            excess_blob_gas=header.excess_blob_gas,
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
        return AmsterdamBlockHeader(**header.as_dict(), **amsterdam_params)

    @classmethod
    def commitment_checks(cls) -> tuple[tuple[str, BlockException], ...]:
        """List the header commitments in the order ``execute_block`` compares."""
        return (
            ("gas_used", BlockException.INVALID_GAS_USED),
            ("transaction_root", BlockException.INVALID_TRANSACTIONS_ROOT),
            ("state_root", BlockException.INVALID_STATE_ROOT),
            ("receipt_root", BlockException.INVALID_RECEIPTS_ROOT),
            ("bloom", BlockException.INVALID_LOG_BLOOM),
            ("withdrawals_root", BlockException.INVALID_WITHDRAWALS_ROOT),
            ("blob_gas_used", BlockException.INCORRECT_BLOB_GAS_USED),
            ("requests_hash", BlockException.INVALID_REQUESTS),
            ("block_access_list_hash", BlockException.INVALID_BAL_HASH),
        )

    # Block execution.

    def import_block(self, block: BlockAPI) -> BlockAndMetaWitness:
        """Execute the block and return it with the header its execution computes."""
        header = block.header
        execution_context = self.create_execution_context(
            header, self.previous_hashes or (), self.chain_context
        )
        self._state = self.get_state_class()(
            self.chaindb.db, execution_context, self.get_header().state_root
        )
        state: Any = self._state
        output = self.apply_body(block)
        meta_witness = state.persist()
        computed_header = header.copy(
            gas_used=output.gas_used,
            transaction_root=ordered_trie_root(
                [transaction.encode() for transaction in block.transactions]
            ),
            state_root=state.state_root,
            receipt_root=ordered_trie_root(
                [receipt.encode() for receipt in output.receipts]
            ),
            bloom=reduce(or_, (int(r.bloom) for r in output.receipts), 0),
            withdrawals_root=ordered_trie_root(
                [withdrawal.encode() for withdrawal in block.withdrawals]
            ),
            blob_gas_used=output.blob_gas_used,
            requests_hash=compute_requests_hash(output.requests),
            block_access_list_hash=hash_block_access_list(output.block_access_list),
        )
        return BlockAndMetaWitness(block.copy(header=computed_header), meta_witness)

    def apply_body(self, block: BlockAPI) -> AmsterdamBlockOutput:
        """Run system calls, transactions, withdrawals and requests; build the BAL."""
        state: Any = self.state
        header: Any = block.header
        output = AmsterdamBlockOutput()

        state.begin_block_access_index(SYSTEM_CALLS_BLOCK_ACCESS_INDEX)
        process_unchecked_system_transaction(
            state, BEACON_ROOTS_ADDRESS, header.parent_beacon_block_root
        )
        process_unchecked_system_transaction(
            state, HISTORY_STORAGE_ADDRESS, header.parent_hash
        )

        self.apply_transactions(block.transactions, output)

        state.begin_block_access_index(len(block.transactions) + 1)
        self.apply_withdrawals(block.withdrawals)
        deposits = parse_deposit_requests(output.receipts)
        if deposits:
            output.requests.append(DEPOSIT_REQUEST_TYPE + deposits)
        output.requests.extend(process_request_system_calls(state))

        output.block_access_list = state.build_block_access_list()
        validate_block_access_list_gas_limit(output.block_access_list, header.gas_limit)
        return output

    def apply_transactions(
        self,
        transactions: Sequence[SignedTransactionAPI],
        output: AmsterdamBlockOutput,
    ) -> None:
        """Run each transaction at its own block access index."""
        if not transactions:
            return
        from .transactions import BlockGasCounters, process_transaction

        state: Any = self.state
        counters = BlockGasCounters(gas_limit=self.get_header().gas_limit)
        for index, transaction in enumerate(transactions):
            state.lock_changes()
            state.begin_block_access_index(index + 1)
            result = process_transaction(state, transaction, counters, index)
            output.receipts.append(
                transaction.make_receipt(
                    b"\x01" if result.succeeded else b"",
                    result.cumulative_gas_used,
                    result.logs,
                )
            )
        output.execution_gas_used = counters.execution_gas_used
        output.state_gas_used = counters.state_gas_used
        output.blob_gas_used = counters.blob_gas_used

    def apply_withdrawals(self, withdrawals: Sequence[WithdrawalAPI]) -> None:
        """Credit every withdrawal in one unit; an empty result is no account."""
        state: Any = self.state
        state.lock_changes()
        for withdrawal in withdrawals:
            address = Address(withdrawal.address)
            state.delta_balance(address, withdrawal.amount * GWEI_TO_WEI)
            state.delete_account_if_empty(address)
