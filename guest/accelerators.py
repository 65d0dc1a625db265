"""
Accelerated hashing and signature recovery inside a zkVM.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A zkVM proves keccak and secp256k1 recovery far more cheaply through its
precompiles than by running them as guest code. The RISC-V launcher exposes
them in the built-in ``zkvm`` module with the semantics of the standard's
``zkvm_accelerators.h``; ``install_accelerators`` routes the guest's
libraries to them:

- ``eth_hash.auto.keccak``, the keccak every library of the guest calls, is
  rebound to ``zkvm.keccak256``;
- eth-keys recovers public keys with ``zkvm.secp256k1_ecrecover`` (its other
  operations stay on its pure-Python backend);
- py-evm's point-evaluation precompile checks KZG proofs with
  ``zkvm.kzg_point_eval`` instead of ckzg, which also spares it loading the
  whole trusted setup on every call (the accelerator needs one point of it).

The launcher calls ``install_accelerators`` before the guest starts. Where
``zkvm`` is absent (the native host) nothing is installed and the guest keeps
its usual libraries. Either way the bytes out are the same: the accelerators
compute the same functions, recovery fails exactly where the host's
libsecp256k1 binding fails, and the KZG check rejects exactly the inputs
ckzg rejects (with the ``RuntimeError`` ckzg raises).
"""

import os
from types import ModuleType

from eth.precompiles import point_evaluation
from eth_hash.abc import BackendAPI, PreImageAPI
from eth_hash.auto import keccak
from eth_hash.main import Keccak256
from eth_keys.backends.native import NativeECCBackend
from eth_keys.datatypes import PublicKey, Signature
from eth_keys.exceptions import BadSignature

try:
    import zkvm  # type: ignore[import-not-found]

    _zkvm: ModuleType | None = zkvm
except ImportError:
    _zkvm = None

ECC_BACKEND_VARIABLE = "ECC_BACKEND_CLASS"
"""The environment variable through which eth-keys picks its backend."""


def install_accelerators() -> bool:
    """Route keccak and ecrecover to the zkVM; report whether it could."""
    if _zkvm is None:
        return False
    if hasattr(_zkvm, "keccak256"):
        Keccak256.__init__(keccak, AcceleratedKeccak())
    if hasattr(_zkvm, "secp256k1_ecrecover"):
        os.environ[ECC_BACKEND_VARIABLE] = (
            f"{AcceleratedECCBackend.__module__}.{AcceleratedECCBackend.__name__}"
        )
    if hasattr(_zkvm, "kzg_point_eval"):
        point_evaluation.verify_kzg_proof = verify_kzg_proof
        point_evaluation.load_trusted_setup = trusted_setup_not_needed
    return True


def accelerated_zkvm() -> ModuleType:
    """Return the ``zkvm`` module, which exists wherever accelerators do."""
    if _zkvm is None:
        raise RuntimeError("the zkvm module is not available")
    return _zkvm


class BufferedPreimage(PreImageAPI):
    """Collect incremental input and hash it whole, as the zkVM call needs."""

    def __init__(self, value: bytes | bytearray) -> None:
        self._value = bytearray(value)

    def update(self, value: bytes | bytearray) -> None:
        """Append more input."""
        self._value.extend(value)

    def digest(self) -> bytes:
        """Return the hash of everything so far."""
        return accelerated_zkvm().keccak256(self._value)

    def copy(self) -> "BufferedPreimage":
        """Return an independent copy."""
        return BufferedPreimage(self._value)


class AcceleratedKeccak(BackendAPI):
    """eth-hash backend over ``zkvm.keccak256``."""

    def keccak256(self, in_data: bytes | bytearray) -> bytes:
        """Return the Keccak-256 hash through the zkVM."""
        return accelerated_zkvm().keccak256(in_data)

    def preimage(self, in_data: bytes | bytearray) -> PreImageAPI:
        """Start an incremental hash."""
        return BufferedPreimage(in_data)


class AcceleratedECCBackend(NativeECCBackend):
    """eth-keys backend that recovers keys through the zkVM."""

    def ecdsa_recover(self, msg_hash: bytes, signature: Signature) -> PublicKey:
        """Recover the signer's key; raise ``BadSignature`` if there is none."""
        compact = signature.to_bytes()
        public_key = accelerated_zkvm().secp256k1_ecrecover(
            msg_hash, compact[:64], compact[64]
        )
        if public_key is None:
            raise BadSignature("no public key recovers from this signature")
        return PublicKey(public_key, backend=self)


def verify_kzg_proof(
    commitment: bytes, z: bytes, y: bytes, proof: bytes, trusted_setup: object
) -> bool:
    """Check a KZG proof as ``ckzg.verify_kzg_proof`` does, through the zkVM."""
    verified = accelerated_zkvm().kzg_point_eval(commitment, z, y, proof)
    if verified is None:
        raise RuntimeError("verify_kzg_proof: invalid commitment, point or proof")
    return bool(verified)


def trusted_setup_not_needed(path: str, precompute: int) -> None:
    """Skip loading the trusted setup; the accelerator carries its one point."""
    return None
