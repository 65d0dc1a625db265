"""
Contract creation from opcodes, self-destruction, and size limits.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

CREATE and CREATE2 from a factory, a contract created and destroyed in the
same transaction (gone in every fork [EIP-6780]), the destruction of a
pre-funded CREATE2 target that collapses an account-trie branch, and
creations at the init-code [EIP-3860] and code-size [EIP-170] limits.
"""

from eth_utils import keccak

from ...schema import ProtocolFork
from ..scenario import (
    ETHER,
    Account,
    Scenario,
    Transaction,
    address_of,
    contract_address,
    create2_address,
)
from . import fixed_address, scenario
from .evm import (
    ADDRESS,
    CALLDATASIZE,
    CREATE,
    CREATE2,
    JUMPDEST,
    REVERT,
    SELFDESTRUCT,
    STOP,
    calldata_to_memory,
    deploy,
    memory_store,
    push,
    sstore,
    store_result,
)

FACTORY = fixed_address(0x20)
BENEFICIARY = fixed_address(0x21)
SALT = 0x5A17
MAX_CODE_SIZE = 24_576
MAX_INITCODE_SIZE = 2 * MAX_CODE_SIZE


def _create2_code(value: int) -> bytes:
    """Return factory code: CREATE2 the call data as init code, store the address."""
    return calldata_to_memory() + store_result(
        0, push(SALT) + CALLDATASIZE + push(0) + push(value) + CREATE2
    )


def _create_code(value: int) -> bytes:
    return calldata_to_memory() + store_result(
        0, CALLDATASIZE + push(0) + push(value) + CREATE
    )


SELFDESTRUCT_INIT_CODE = push(BENEFICIARY) + SELFDESTRUCT
"""Init code that destroys the new contract at once, sending its balance."""


@scenario()
def create_opcode(fork: ProtocolFork) -> Scenario:
    """Deploy a contract with the CREATE opcode from a factory."""
    init_code = sstore(0, 1) + deploy(STOP)
    return Scenario(
        pre={FACTORY: Account(code=_create_code(3), balance=10)},
        transactions=[Transaction(1, FACTORY, data=init_code)],
    )


@scenario()
def create2_opcode(fork: ProtocolFork) -> Scenario:
    """Deploy a contract with the CREATE2 opcode from a factory."""
    init_code = sstore(1, 2) + deploy(STOP)
    return Scenario(
        pre={FACTORY: Account(code=_create2_code(0))},
        transactions=[Transaction(1, FACTORY, data=init_code)],
    )


@scenario()
def create2_then_selfdestruct(fork: ProtocolFork) -> Scenario:
    """CREATE2 a contract that self-destructs in the same transaction."""
    return Scenario(
        pre={FACTORY: Account(code=_create2_code(5), balance=100)},
        transactions=[Transaction(1, FACTORY, data=SELFDESTRUCT_INIT_CODE)],
    )


def _account_trie_sibling(target: bytes) -> bytes:
    """Find an address whose trie path shares its first byte with `target`."""
    prefix = keccak(target)[0]
    tag = 0x1000
    while keccak(fixed_address(tag))[0] != prefix:
        tag += 1
    return fixed_address(tag)


@scenario()
def create2_selfdestruct_prefunded_collapses_account_branch(
    fork: ProtocolFork,
) -> Scenario:
    """Destroy a pre-funded CREATE2 target whose trie branch then collapses."""
    target = create2_address(FACTORY, SALT, SELFDESTRUCT_INIT_CODE)
    return Scenario(
        pre={
            FACTORY: Account(code=_create2_code(0)),
            target: Account(balance=ETHER),
            _account_trie_sibling(target): Account(balance=1),
        },
        transactions=[Transaction(1, FACTORY, data=SELFDESTRUCT_INIT_CODE)],
    )


@scenario()
def selfdestruct_existing_contract(fork: ProtocolFork) -> Scenario:
    """Self-destruct a contract from an earlier block (only moves its balance)."""
    doomed = fixed_address(0x22)
    return Scenario(
        pre={
            doomed: Account(
                code=push(BENEFICIARY) + SELFDESTRUCT,
                balance=ETHER,
                storage={1: 1},
            )
        },
        transactions=[Transaction(1, doomed)],
    )


@scenario()
def selfdestruct_to_self(fork: ProtocolFork) -> Scenario:
    """Self-destruct a contract created in the same transaction to itself."""
    init_code = ADDRESS + SELFDESTRUCT
    return Scenario(
        pre={FACTORY: Account(code=_create_code(7), balance=100)},
        transactions=[Transaction(1, FACTORY, data=init_code)],
    )


@scenario()
def create_with_reverting_init_code(fork: ProtocolFork) -> Scenario:
    """Create a contract whose init code reverts: nothing is deployed."""
    init_code = sstore(0, 1) + push(0) + push(0) + REVERT
    return Scenario(transactions=[Transaction(1, None, data=init_code)])


@scenario()
def create_nested(fork: ProtocolFork) -> Scenario:
    """Create a contract whose init code creates another contract."""
    inner = sstore(0, 1) + deploy(STOP)
    outer = (
        memory_store(inner)
        + store_result(0, push(len(inner)) + push(0) + push(0) + CREATE)
        + deploy(STOP)
    )
    return Scenario(transactions=[Transaction(1, None, data=outer, gas=500_000)])


@scenario(since=ProtocolFork.Shanghai)
def create_at_max_init_code_size(fork: ProtocolFork) -> Scenario:
    """Create a contract from init code of exactly the maximum size."""
    init_code = JUMPDEST * (MAX_INITCODE_SIZE - 1) + STOP
    return Scenario(transactions=[Transaction(1, None, data=init_code, gas=2_500_000)])


@scenario()
def deploy_max_code_size(fork: ProtocolFork) -> Scenario:
    """Deploy code of exactly the maximum size."""
    init_code = deploy(bytes(MAX_CODE_SIZE))
    return Scenario(transactions=[Transaction(1, None, data=init_code, gas=6_000_000)])


@scenario()
def create_transaction_to_funded_address(fork: ProtocolFork) -> Scenario:
    """Create a contract at an address that already holds a balance."""
    target = contract_address(address_of(1), 0)
    return Scenario(
        pre={target: Account(balance=ETHER)},
        transactions=[Transaction(1, None, data=sstore(0, 1) + deploy(STOP))],
    )
