"""
Witness-backed pre-state.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The witness carries the pre-state as preimages: the RLP trie nodes of the
account and storage tries and the contract bytecodes, in any order, with
duplicates and unused items allowed. Both kinds are content-addressed, so the
guest keys every item by its keccak hash and lets py-evm's account database
walk the tries from the parent's state root as if it had the whole state.

What the witness lacks is a refusal, never an absent account: a read of a
node or code outside the witness raises ``MissingWitnessData`` at the store,
and the store remembers the first miss so that no py-evm error handler can
swallow it. Deleting a key can collapse a branch, which needs the sibling
node; that read goes through the same store and is refused the same way.
"""

from collections.abc import Iterable
from functools import cache

from eth.abc import AtomicDatabaseAPI, StateAPI
from eth.constants import BLANK_ROOT_HASH
from eth.db.accesslog import KeyAccessLoggerDB
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.db.cache import CacheDB
from eth.db.hash_trie import HashTrie
from eth.db.journal import JournalDB
from eth_typing import Address, Hash32
from eth_utils import keccak
from trie import HexaryTrie

from .errors import MissingWitnessData, Phase, StatelessException


class WitnessStore(BaseDB):
    """
    Serve witness preimages by hash, keep new nodes, refuse anything else.

    Deletions are ignored: a node that one trie prunes may still be
    referenced by another trie with an identical subtree.
    """

    def __init__(self, nodes: Iterable[bytes], codes: Iterable[bytes]) -> None:
        self.preimages: dict[bytes, bytes] = {keccak(item): item for item in nodes}
        self.codes: dict[bytes, bytes] = {keccak(code): code for code in codes}
        self.written: dict[bytes, bytes] = {}
        self.first_missing: MissingWitnessData | None = None

    def __getitem__(self, key: bytes) -> bytes:
        """Return the preimage of `key`, or refuse the block."""
        value = self.written.get(key)
        if value is None:
            value = self.preimages.get(key)
        if value is None:
            value = self.codes.get(key)
        if value is None:
            raise self.refuse_missing(StatelessException.MISSING_WITNESS_NODE, key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        """Keep a node or code created during execution."""
        self.written[key] = value

    def __delitem__(self, key: bytes) -> None:
        """Ignore pruning: the store only grows."""

    def _exists(self, key: bytes) -> bool:
        return key in self.written or key in self.preimages or key in self.codes

    def refuse_missing(
        self, exception: StatelessException, missing_hash: bytes
    ) -> MissingWitnessData:
        """
        Record a miss and return the refusal to raise.

        The first miss is the one reported; naming the same hash again (a
        node miss found to be a code miss) refines its name.
        """
        refusal = MissingWitnessData(exception, missing_hash, phase=Phase.EXECUTION)
        first = self.first_missing
        if first is None or first.missing_hash == missing_hash:
            self.first_missing = refusal
        return refusal

    def raise_if_missing(self) -> None:
        """Refuse the block if any read missed, even one py-evm swallowed."""
        if self.first_missing is not None:
            raise self.first_missing


class WitnessDatabase(AtomicDB):
    """Give py-evm an atomic database over a ``WitnessStore``."""

    store: WitnessStore

    def __init__(self, nodes: Iterable[bytes], codes: Iterable[bytes]) -> None:
        self.store = WitnessStore(nodes, codes)
        super().__init__(self.store)


class WitnessAccountDB(AccountDB):
    """Name a missing bytecode as such rather than as a missing node."""

    _witness: WitnessStore | None

    def __init__(
        self, db: AtomicDatabaseAPI, state_root: Hash32 = BLANK_ROOT_HASH
    ) -> None:
        super().__init__(db, state_root)
        self._witness = db.store if isinstance(db, WitnessDatabase) else None
        # Pruning probes the store for nodes that a squash created and
        # dropped again; a witness store must refuse such reads, and a
        # one-shot validation has nothing to prune.
        self._trie = HashTrie(
            HexaryTrie(self._batchtrie, state_root, prune=False)  # type: ignore[arg-type]
        )
        self._trie_logger = KeyAccessLoggerDB(self._trie, log_missing_keys=False)
        self._trie_cache = CacheDB(self._trie_logger)
        self._journaltrie = JournalDB(self._trie_cache)

    def get_code(self, address: Address) -> bytes:
        """Return the code, refusing the block if the witness lacks it."""
        try:
            return super().get_code(address)
        except MissingWitnessData as miss:
            code_hash = self.get_code_hash(address)
            if self._witness is None or miss.missing_hash != code_hash:
                raise
            raise self._witness.refuse_missing(
                StatelessException.MISSING_CODE, code_hash
            ) from None


@cache
def witness_state_class(state_class: type[StateAPI]) -> type[StateAPI]:
    """Derive a state class of the same fork that reads the witness."""
    account_db_class = state_class.get_account_db_class()
    if not issubclass(account_db_class, AccountDB):
        return state_class
    if issubclass(account_db_class, WitnessAccountDB):
        witness_account_db = account_db_class
    else:
        witness_account_db = type(
            f"Witness{account_db_class.__name__}",
            (WitnessAccountDB, account_db_class),
            {},
        )
    return type(
        f"Witness{state_class.__name__}",
        (state_class,),
        {"account_db_class": witness_account_db},
    )
