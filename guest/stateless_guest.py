"""The stateless guest program: bytes in, bytes out.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A zkVM runs this program over one input and publishes its 43 output bytes.
It never raises: undecodable input gives the all-zero sentinel, and an
invalid block gives ``successful_validation = 0`` with the real request root,
the input's chain id and its schema id.

``run_stateless_guest_with_verdict`` returns the same bytes together with
the reason for a refusal; the host-side tools use it, the zkVM does not.
"""

from dataclasses import dataclass

from .chain_config import ChainConfig
from .errors import Refusal, UndecodableInput
from .profile import mark_phase
from .schema import (
    FAILED_STATELESS_OUTPUT,
    StatelessValidationResult,
    deserialize_stateless_input,
    serialize_stateless_output,
)
from .stateless import verify_stateless_new_payload


@dataclass(frozen=True)
class Verdict:
    """Hold the guest output with the reason behind it."""

    output: bytes
    result: StatelessValidationResult
    decode_error: str | None = None
    """Why the input could not be decoded, if it could not."""

    @property
    def refusal(self) -> Refusal | None:
        """Return why a decoded block was refused, if it was."""
        return self.result.refusal

    @property
    def status(self) -> str:
        """Return ``valid``, ``invalid`` or ``undecodable``."""
        if self.decode_error is not None:
            return "undecodable"
        return "valid" if self.result.successful_validation else "invalid"

    def describe(self) -> str:
        """Summarize the verdict on one line."""
        if self.decode_error is not None:
            return f"undecodable: {self.decode_error}"
        if self.refusal is not None:
            return f"invalid: {self.refusal}"
        return self.status


def run_stateless_guest_with_verdict(
    input_bytes: bytes,
    *,
    chain_config: ChainConfig | None = None,
    check_fork_schedule: bool = False,
) -> Verdict:
    """
    Run the guest and keep the reason for its answer.

    A host may supply a chain configuration (blob schedules, deposit contract)
    in place of the built-in one for the input's chain id, and may ask for the
    payload timestamp to be checked against the schema fork's activation
    window. Neither changes the wire format; the zkVM runs with neither.
    """
    mark_phase("decode")
    try:
        stateless_input = deserialize_stateless_input(input_bytes)
    except UndecodableInput as error:
        return _undecodable(str(error))
    except Exception as error:  # a decoder defect must not abort the guest
        return _undecodable(f"{type(error).__name__}: {error}")
    result = verify_stateless_new_payload(
        stateless_input,
        chain_config=chain_config,
        check_fork_schedule=check_fork_schedule,
    )
    mark_phase("write output")
    return Verdict(serialize_stateless_output(result), result)


def _undecodable(detail: str) -> Verdict:
    output = serialize_stateless_output(FAILED_STATELESS_OUTPUT)
    return Verdict(output, FAILED_STATELESS_OUTPUT, decode_error=detail)


def run_stateless_guest(input_bytes: bytes) -> bytes:
    """Validate one stateless input and return the 43-byte output."""
    return run_stateless_guest_with_verdict(input_bytes).output
