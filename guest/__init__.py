"""Python reference implementation of Ethereum's L1-zkEVM stateless guest.

``run_stateless_guest(input_bytes) -> bytes`` is the whole program: it reads
``schema_id || SSZ(StatelessInput)`` and returns the 43-byte
``SSZ(StatelessValidationResult)``.
"""

from .stateless_guest import (
    Verdict,
    run_stateless_guest,
    run_stateless_guest_with_verdict,
)

__all__ = ["Verdict", "run_stateless_guest", "run_stateless_guest_with_verdict"]
