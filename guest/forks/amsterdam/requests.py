"""Amsterdam execution-layer requests.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

[EIP-7685] commits to the requests a block produces with
``requests_hash = sha256(sha256(r_1) || ... || sha256(r_k))`` over the
non-empty ``type || data`` entries in ascending type order. Amsterdam has
five types: deposits parsed from the deposit contract's logs ([EIP-6110]),
withdrawal requests ([EIP-7002]), consolidations ([EIP-7251]), and the
builder deposits and exits of [EIP-8282]. The last four are the outputs of
the checked system calls that run at the end of the block, after the
withdrawals.

The specification parses deposits from the mainnet deposit contract's
address whatever the chain id.

[EIP-6110]: https://eips.ethereum.org/EIPS/eip-6110
[EIP-7002]: https://eips.ethereum.org/EIPS/eip-7002
[EIP-7251]: https://eips.ethereum.org/EIPS/eip-7251
[EIP-7685]: https://eips.ethereum.org/EIPS/eip-7685
[EIP-8282]: https://eips.ethereum.org/EIPS/eip-8282
"""

from collections.abc import Sequence

from eth.abc import ReceiptAPI
from eth_typing import Address

from ...chain_config import MAINNET_DEPOSIT_CONTRACT_ADDRESS
from ...payload import (
    BUILDER_DEPOSIT_REQUEST_TYPE,
    BUILDER_EXIT_REQUEST_TYPE,
    CONSOLIDATION_REQUEST_TYPE,
    DEPOSIT_REQUEST_TYPE,
    WITHDRAWAL_REQUEST_TYPE,
)
from ..prague import compute_requests_hash, parse_deposit_requests
from .state import AmsterdamState
from .system_calls import (
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    process_checked_system_transaction,
)

__all__ = ["collect_requests", "compute_requests_hash"]

REQUEST_SYSTEM_CONTRACTS: tuple[tuple[bytes, Address], ...] = (
    (WITHDRAWAL_REQUEST_TYPE, WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS),
    (CONSOLIDATION_REQUEST_TYPE, CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS),
    (BUILDER_DEPOSIT_REQUEST_TYPE, BUILDER_DEPOSIT_CONTRACT_ADDRESS),
    (BUILDER_EXIT_REQUEST_TYPE, BUILDER_EXIT_CONTRACT_ADDRESS),
)
"""The checked end-of-block system calls, in the order they run."""


def collect_requests(
    state: AmsterdamState, receipts: Sequence[ReceiptAPI]
) -> list[bytes]:
    """Gather the block's non-empty requests in ascending type order."""
    requests = []
    deposits = parse_deposit_requests(receipts, MAINNET_DEPOSIT_CONTRACT_ADDRESS)
    if deposits:
        requests.append(DEPOSIT_REQUEST_TYPE + deposits)
    for request_type, target in REQUEST_SYSTEM_CONTRACTS:
        output = process_checked_system_transaction(state, target, b"")
        if output:
            requests.append(request_type + output)
    return requests
