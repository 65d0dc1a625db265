"""Block-level access lists.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

[EIP-7928] makes every block commit to the accounts and storage slots its
execution touched, with the values it wrote. The list is built while the
block runs: reads accumulate for the whole block and survive reverts; writes
are recorded per *block access index* (0 for the start-of-block system
calls, ``i + 1`` for transaction ``i``, ``n + 1`` for withdrawals and the
end-of-block system calls), netted against the value the account or slot
had when that index began.

The canonical encoding is RLP of::

    [[address, storage_changes, storage_reads,
      balance_changes, nonce_changes, code_changes], ...]

with every slot, index, balance, nonce and value as a minimal RLP integer,
accounts sorted by address, slots by value and changes by index. The header
commits to ``keccak256`` of that encoding, and the list may hold at most
``gas_limit // 2000`` items (one per account plus one per distinct slot).

[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import rlp
from eth_utils import keccak

from ...errors import BlockException, InvalidBlock

BLOCK_ACCESS_LIST_ITEM_GAS = 2_000
"""Gas of block limit that one access-list item (account or slot) costs."""


@dataclass
class AccountAccesses:
    """Collect what one account had read and written during the block."""

    storage_changes: dict[int, dict[int, int]] = field(default_factory=dict)
    """Per slot: block access index -> value written at that index."""
    storage_reads: set[int] = field(default_factory=set)
    balance_changes: dict[int, int] = field(default_factory=dict)
    nonce_changes: dict[int, int] = field(default_factory=dict)
    code_changes: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountChanges:
    """Hold one account's entry of a built block access list."""

    address: bytes
    storage_changes: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
    storage_reads: tuple[int, ...]
    balance_changes: tuple[tuple[int, int], ...]
    nonce_changes: tuple[tuple[int, int], ...]
    code_changes: tuple[tuple[int, bytes], ...]


BlockAccessList = tuple[AccountChanges, ...]


@dataclass
class BlockAccessListBuilder:
    """Accumulate accesses during block execution, keyed by account."""

    block_access_index: int = 0
    accounts: dict[bytes, AccountAccesses] = field(default_factory=dict)

    def touch_account(self, address: bytes) -> AccountAccesses:
        """Include an account that was looked up, even if nothing changed."""
        accesses = self.accounts.get(address)
        if accesses is None:
            accesses = self.accounts[address] = AccountAccesses()
        return accesses

    def add_storage_read(self, address: bytes, slot: int) -> None:
        """Include a slot whose current value was read."""
        self.touch_account(address).storage_reads.add(slot)

    def set_storage_change(
        self, address: bytes, slot: int, index: int, value: int | None
    ) -> None:
        """Record the slot's value after ``index``, or drop it if unchanged."""
        changes = self.touch_account(address).storage_changes
        if value is not None:
            changes.setdefault(slot, {})[index] = value
        elif slot in changes:
            changes[slot].pop(index, None)
            if not changes[slot]:
                del changes[slot]

    def set_balance_change(self, address: bytes, index: int, value: int | None) -> None:
        """Record the balance after ``index``, or drop it if unchanged."""
        _set_or_drop(self.touch_account(address).balance_changes, index, value)

    def set_nonce_change(self, address: bytes, index: int, value: int | None) -> None:
        """Record the nonce after ``index``, or drop it if unchanged."""
        _set_or_drop(self.touch_account(address).nonce_changes, index, value)

    def set_code_change(self, address: bytes, index: int, value: bytes | None) -> None:
        """Record the code after ``index``, or drop it if unchanged."""
        _set_or_drop(self.touch_account(address).code_changes, index, value)

    def build(self) -> BlockAccessList:
        """Sort the accumulated accesses into the canonical list."""
        return tuple(
            _build_account(address, self.accounts[address])
            for address in sorted(self.accounts)
        )


def _set_or_drop(changes: dict[int, Any], index: int, value: Any) -> None:
    if value is None:
        changes.pop(index, None)
    else:
        changes[index] = value


def _sorted_pairs(changes: dict[int, Any]) -> tuple[tuple[int, Any], ...]:
    return tuple(sorted(changes.items()))


def _build_account(address: bytes, accesses: AccountAccesses) -> AccountChanges:
    return AccountChanges(
        address=address,
        storage_changes=tuple(
            (slot, _sorted_pairs(accesses.storage_changes[slot]))
            for slot in sorted(accesses.storage_changes)
        ),
        storage_reads=tuple(
            sorted(accesses.storage_reads.difference(accesses.storage_changes))
        ),
        balance_changes=_sorted_pairs(accesses.balance_changes),
        nonce_changes=_sorted_pairs(accesses.nonce_changes),
        code_changes=_sorted_pairs(accesses.code_changes),
    )


def _pairs(items: Sequence[tuple[int, Any]]) -> list[list[Any]]:
    return [[index, value] for index, value in items]


def encode_block_access_list(block_access_list: BlockAccessList) -> bytes:
    """Return the canonical RLP encoding the header hash commits to."""
    return rlp.encode(
        [
            [
                account.address,
                [[slot, _pairs(changes)] for slot, changes in account.storage_changes],
                list(account.storage_reads),
                _pairs(account.balance_changes),
                _pairs(account.nonce_changes),
                _pairs(account.code_changes),
            ]
            for account in block_access_list
        ]
    )


def hash_block_access_list(block_access_list: BlockAccessList) -> bytes:
    """Return ``keccak256(rlp(block_access_list))``, header field 21."""
    return keccak(encode_block_access_list(block_access_list))


def count_block_access_list_items(block_access_list: BlockAccessList) -> int:
    """Count one item per account plus one per distinct slot it accessed."""
    return sum(
        1
        + len(
            {slot for slot, _ in account.storage_changes}.union(account.storage_reads)
        )
        for account in block_access_list
    )


def validate_block_access_list_gas_limit(
    block_access_list: BlockAccessList, gas_limit: int
) -> None:
    """Refuse a list with more items than the block's gas limit pays for."""
    items = count_block_access_list_items(block_access_list)
    limit = gas_limit // BLOCK_ACCESS_LIST_ITEM_GAS
    if items > limit:
        raise InvalidBlock(
            BlockException.BLOCK_ACCESS_LIST_GAS_LIMIT_EXCEEDED,
            f"{items} block access list items exceed the limit of {limit}",
        )


def _decode_uint(item: Any) -> int:
    if not isinstance(item, bytes) or item[:1] == b"\x00":
        raise ValueError("not a minimal RLP integer")
    return int.from_bytes(item, "big")


def _decode_list(item: Any) -> list[Any]:
    if not isinstance(item, list):
        raise ValueError("expected an RLP list")
    return item


def _decode_uint_pairs(item: Any) -> tuple[tuple[int, int], ...]:
    return tuple(
        (_decode_uint(index), _decode_uint(value))
        for index, value in map(_decode_pair, _decode_list(item))
    )


def _decode_pair(item: Any) -> tuple[Any, Any]:
    pair = _decode_list(item)
    if len(pair) != 2:
        raise ValueError("expected a pair")
    return pair[0], pair[1]


def _decode_account(item: Any) -> AccountChanges:
    fields = _decode_list(item)
    if len(fields) != 6:
        raise ValueError("an account entry has six fields")
    address, storage, reads, balances, nonces, codes = fields
    if not isinstance(address, bytes) or len(address) != 20:
        raise ValueError("an address has 20 bytes")
    code_changes = []
    for index, code in map(_decode_pair, _decode_list(codes)):
        if not isinstance(code, bytes):
            raise ValueError("code is a byte string")
        code_changes.append((_decode_uint(index), code))
    return AccountChanges(
        address=address,
        storage_changes=tuple(
            (_decode_uint(slot), _decode_uint_pairs(changes))
            for slot, changes in map(_decode_pair, _decode_list(storage))
        ),
        storage_reads=tuple(_decode_uint(slot) for slot in _decode_list(reads)),
        balance_changes=_decode_uint_pairs(balances),
        nonce_changes=_decode_uint_pairs(nonces),
        code_changes=tuple(code_changes),
    )


def decode_block_access_list(encoded: bytes) -> BlockAccessList:
    """Decode an RLP block access list (for tools and tests; EELS never does)."""
    return tuple(_decode_account(item) for item in _decode_list(rlp.decode(encoded)))
