"""Amsterdam state: access tracking for the block-level access list.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Every state lookup made through the state records the account (or slot) in
the block's access list builder, and no revert ever removes it ([EIP-7928]
keeps the reads of reverted frames and failed transactions). Lookups of a
slot's *original* value (``from_journal=False``) are not reads.

Writes are netted per block access index. The first write to an account or
slot at an index captures its value as the index found it; when the index
ends (the next index begins, or the list is built) the current value is
compared with that capture: a difference is a change recorded at the index,
equality drops any change recorded there earlier. Several units share index
0 (the start-of-block system calls) and ``n + 1`` (withdrawals and the
end-of-block system calls), which is why the netting is per index and not
per unit.

Like the specification's ``modify_state``, every balance, nonce or code
write that leaves an account empty (no nonce, no balance, no code) deletes
it with its storage, so a zero credit to an absent account creates nothing
([EIP-7523]: no empty accounts exist after the merge).

The state also remembers each account as the current transaction found it,
for the top-level creation's new-account charge ([EIP-8037]).

[EIP-7523]: https://eips.ethereum.org/EIPS/eip-7523
[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from typing import NamedTuple, cast

from eth.abc import AccountStorageDatabaseAPI, AtomicDatabaseAPI, ExecutionContextAPI
from eth.constants import EMPTY_SHA3
from eth.db.account import AccountDB
from eth.db.journal import DELETE_WRAPPED, REVERT_TO_WRAPPED, JournalDB
from eth.db.storage import AccountStorageDB
from eth_typing import Address, Hash32

from ..bpo import BPO2State
from .block_access_list import BlockAccessList, BlockAccessListBuilder
from .computation import AmsterdamComputation


class WritesBeforeDeletesJournalDB(JournalDB):
    """Flush a journal's writes to the trie before its deletions."""

    def persist(self) -> None:
        """Apply inserts and updates first, then deletions, as EELS's witness does."""
        journal_data = self._journal.pop_all()
        changes = sorted(
            journal_data.items(), key=lambda item: item[1] is DELETE_WRAPPED
        )
        try:
            for key, value in changes:
                if value is DELETE_WRAPPED:
                    del self._wrapped_db[key]
                elif value is not REVERT_TO_WRAPPED:
                    self._wrapped_db[key] = cast(bytes, value)
        except Exception:
            self._reapply_checkpoint_to_journal(journal_data)
            raise


class WritesBeforeDeletesStorageDB(AccountStorageDB):
    """
    Update an account's storage trie with its new values before its deletions.

    Deleting a slot first can collapse a branch into a sibling that the
    witness does not hold, although the final trie never needs it; the
    specification's witness state applies writes first, so its witnesses
    omit such siblings.
    """

    def __init__(
        self, db: AtomicDatabaseAPI, storage_root: Hash32, address: Address
    ) -> None:
        super().__init__(db, storage_root, address)
        self._locked_changes = WritesBeforeDeletesJournalDB(self._storage_cache)
        self._journal_storage = JournalDB(self._locked_changes)


class AmsterdamAccountDB(AccountDB):
    """Account database whose storage tries apply writes before deletions."""

    def _get_address_store(self, address: Address) -> AccountStorageDatabaseAPI:
        store = self._account_stores.get(address)
        if store is None:
            store = WritesBeforeDeletesStorageDB(
                self._raw_store_db, self._get_storage_root(address), address
            )
            self._account_stores[address] = store
        return store


class AccountFields(NamedTuple):
    """Hold the fields of an account that the access list tracks."""

    nonce: int
    balance: int
    code_hash: bytes

    @property
    def is_empty(self) -> bool:
        """Tell whether the account has no nonce, no balance and no code."""
        return self.nonce == 0 and self.balance == 0 and self.code_hash == EMPTY_SHA3


class AmsterdamState(BPO2State):
    """Run the block's state, recording accesses for the block access list."""

    account_db_class = AmsterdamAccountDB
    computation_class = AmsterdamComputation

    def __init__(
        self,
        db: AtomicDatabaseAPI,
        execution_context: ExecutionContextAPI,
        state_root: Hash32,
    ) -> None:
        self.block_access_list_builder = BlockAccessListBuilder()
        self._index_start_accounts: dict[Address, AccountFields] = {}
        self._index_start_storage: dict[tuple[Address, int], int] = {}
        self._transaction_start_accounts: dict[Address, AccountFields] = {}
        super().__init__(db, execution_context, state_root)

    def set_system_contracts(self) -> None:
        """Install nothing: system contracts come from the pre-state."""

    # Block access indices.

    @property
    def block_access_index(self) -> int:
        """Return the index that current reads and writes belong to."""
        return self.block_access_list_builder.block_access_index

    def begin_block_access_index(self, index: int) -> None:
        """Close the current index's writes and attribute later ones to `index`."""
        if index != self.block_access_index:
            self.record_block_access_index_writes()
            self._index_start_accounts.clear()
            self._index_start_storage.clear()
            self.block_access_list_builder.block_access_index = index

    def record_block_access_index_writes(self) -> None:
        """Net every write of the current index against the index's start."""
        builder = self.block_access_list_builder
        index = self.block_access_index
        for address, start in self._index_start_accounts.items():
            current = self._peek_account(address)
            builder.set_balance_change(
                address,
                index,
                current.balance if current.balance != start.balance else None,
            )
            builder.set_nonce_change(
                address, index, current.nonce if current.nonce != start.nonce else None
            )
            builder.set_code_change(
                address,
                index,
                self.peek_code(address)
                if current.code_hash != start.code_hash
                else None,
            )
        for (address, slot), start_value in self._index_start_storage.items():
            value = self._account_db.get_storage(address, slot)
            builder.add_storage_read(address, slot)
            builder.set_storage_change(
                address, slot, index, value if value != start_value else None
            )

    def build_block_access_list(self) -> BlockAccessList:
        """Close the last index and return the block's sorted access list."""
        self.record_block_access_index_writes()
        return self.block_access_list_builder.build()

    # Captures taken before the first write.

    def _peek_account(self, address: Address) -> AccountFields:
        account_db = self._account_db
        return AccountFields(
            account_db.get_nonce(address),
            account_db.get_balance(address),
            account_db.get_code_hash(address),
        )

    def peek_code(self, address: Address) -> bytes:
        """Return the code without recording the lookup (a throw-away read)."""
        return self._account_db.get_code(address)

    def _before_account_write(self, address: Address) -> None:
        self.block_access_list_builder.touch_account(address)
        if (
            address not in self._index_start_accounts
            or address not in self._transaction_start_accounts
        ):
            fields = self._peek_account(address)
            self._index_start_accounts.setdefault(address, fields)
            self._transaction_start_accounts.setdefault(address, fields)

    def _before_storage_write(self, address: Address, slot: int) -> None:
        key = (address, slot)
        if key not in self._index_start_storage:
            self._index_start_storage[key] = self._account_db.get_storage(address, slot)

    def account_was_empty_at_transaction_start(self, address: Address) -> bool:
        """Tell whether the account was EMPTY before the current transaction."""
        self.block_access_list_builder.touch_account(address)
        fields = self._transaction_start_accounts.get(address)
        if fields is None:
            fields = self._peek_account(address)
        return fields.is_empty

    def begin_unit(self) -> None:
        """Start a transaction, system call or withdrawal batch on fresh journals."""
        self.lock_changes()
        self.clear_transient_storage()

    def lock_changes(self) -> None:
        """Start a new transaction: its start is the state as it is now."""
        super().lock_changes()
        self._transaction_start_accounts.clear()

    # Reads: recorded, never reverted.

    def touch_account(self, address: Address) -> None:
        """Record a lookup of the account; nothing is written ([EIP-7523])."""
        self.block_access_list_builder.touch_account(address)

    def get_balance(self, address: Address) -> int:
        """Read the balance, recording the account."""
        self.block_access_list_builder.touch_account(address)
        return super().get_balance(address)

    def get_nonce(self, address: Address) -> int:
        """Read the nonce, recording the account."""
        self.block_access_list_builder.touch_account(address)
        return super().get_nonce(address)

    def get_code(self, address: Address) -> bytes:
        """Read the code, recording the account."""
        self.block_access_list_builder.touch_account(address)
        return super().get_code(address)

    def get_code_hash(self, address: Address) -> Hash32:
        """Read the code hash, recording the account."""
        self.block_access_list_builder.touch_account(address)
        return super().get_code_hash(address)

    def has_code_or_nonce(self, address: Address) -> bool:
        """Tell whether the account has code or a nonce, recording it."""
        self.block_access_list_builder.touch_account(address)
        return super().has_code_or_nonce(address)

    def account_exists(self, address: Address) -> bool:
        """Tell whether the account has a leaf, recording it."""
        self.block_access_list_builder.touch_account(address)
        return super().account_exists(address)

    def account_is_empty(self, address: Address) -> bool:
        """Tell whether the account is not alive, recording it."""
        self.block_access_list_builder.touch_account(address)
        return super().account_is_empty(address)

    def get_storage(
        self, address: Address, slot: int, from_journal: bool = True
    ) -> int:
        """Read a slot; the current value is a recorded read, the original is not."""
        if from_journal:
            self.block_access_list_builder.add_storage_read(address, slot)
        return super().get_storage(address, slot, from_journal)

    # Writes: captured at the first write of the index, netted when it ends.

    def set_balance(self, address: Address, balance: int) -> None:
        """Write the balance; an account left empty is deleted."""
        self._before_account_write(address)
        super().set_balance(address, balance)
        self.delete_account_if_empty(address)

    def set_nonce(self, address: Address, nonce: int) -> None:
        """Write the nonce; an account left empty is deleted."""
        self._before_account_write(address)
        super().set_nonce(address, nonce)
        self.delete_account_if_empty(address)

    def increment_nonce(self, address: Address) -> None:
        """Add one to the nonce, reading it through the state."""
        self.set_nonce(address, self.get_nonce(address) + 1)

    def set_code(self, address: Address, code: bytes) -> None:
        """Write the code; an account left empty is deleted."""
        self._before_account_write(address)
        super().set_code(address, code)
        self.delete_account_if_empty(address)

    def delete_code(self, address: Address) -> None:
        """Clear the code; an account left empty is deleted."""
        self._before_account_write(address)
        super().delete_code(address)
        self.delete_account_if_empty(address)

    def delete_account(self, address: Address) -> None:
        """Remove the account and its storage."""
        self._before_account_write(address)
        super().delete_account(address)

    def set_storage(self, address: Address, slot: int, value: int) -> None:
        """Write a slot."""
        self.block_access_list_builder.touch_account(address)
        self._before_storage_write(address, slot)
        super().set_storage(address, slot, value)

    def delete_storage(self, address: Address) -> None:
        """Wipe the account's storage; its pending slot writes become reads."""
        self._before_account_write(address)
        super().delete_storage(address)

    def delete_account_if_empty(self, address: Address) -> None:
        """Delete an account, and its storage, that a modification left empty."""
        if super().account_exists(address) and self._peek_account(address).is_empty:
            super().delete_account(address)
