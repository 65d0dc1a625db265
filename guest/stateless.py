"""
Stateless validation of a new-payload request.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``verify_stateless_new_payload`` computes the request root first, outside any
failure handling, then validates the block from the witness alone. Every
failure inside validation gives ``successful_validation = False``; the
refusal that caused it is kept on the result for reports.
"""

from .errors import InternalError, Phase, Refusal, StatelessException, StatelessRefusal
from .profile import mark_phase
from .schema import (
    StatelessInput,
    StatelessValidationResult,
    compute_new_payload_request_root,
)


def validate_stateless_input(stateless_input: StatelessInput) -> None:
    """Validate the block; raise a ``Refusal`` naming the first failure."""
    raise StatelessRefusal(
        StatelessException.EXECUTION_NOT_IMPLEMENTED,
        "execution not implemented",
        Phase.EXECUTION,
    )


def verify_stateless_new_payload(
    stateless_input: StatelessInput,
) -> StatelessValidationResult:
    """Validate a request statelessly and build the guest's public output."""
    mark_phase("request root")
    root = compute_new_payload_request_root(stateless_input)
    refusal: Refusal | None = None
    try:
        validate_stateless_input(stateless_input)
    except Refusal as error:
        refusal = error
    except Exception as error:  # any failure inside validation refuses the block
        refusal = InternalError(error)
    return StatelessValidationResult(
        new_payload_request_root=root,
        successful_validation=refusal is None,
        chain_id=stateless_input.chain_id,
        schema_id=stateless_input.schema_id,
        refusal=refusal,
    )
