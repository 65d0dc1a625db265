"""
Probe entry points for testing the launcher (hosted builds only).

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``tests/test_riscv.py`` runs the launcher with ``ZKVM_ENTRY`` naming one of
these functions instead of the guest, to check the accelerators and the
termination rule against the host's libraries.

``hash_and_recover`` reads records and answers each one:

- ``0x00 || u32 length || data``: Keccak-256 through ``eth_hash.auto.keccak``
  (the wiring the guest uses), 32 bytes;
- ``0x01 || msg32 || r32 || s32 || v``: public key through eth-keys (the
  wiring py-evm uses), ``0x01 || key64``, or ``0x00 || zeros`` on failure;
- ``0x02 || msg32 || sig64 || recid``: the raw ``zkvm.secp256k1_ecrecover``,
  same answer format;
- ``0x03 || commitment48 || z32 || y32 || proof48``: the KZG check through
  py-evm's point-evaluation module (the wiring its precompile uses):
  ``0x00`` rejected as invalid input, ``0x01`` false, ``0x02`` true.
"""

import zkvm  # type: ignore[import-not-found]
from eth.precompiles import point_evaluation
from eth_hash.auto import keccak
from eth_keys import keys
from eth_keys.backends import get_backend
from eth_keys.exceptions import BadSignature

from guest.accelerators import (
    AcceleratedECCBackend,
    AcceleratedKeccak,
    verify_kzg_proof,
)

KEY_SIZE = 64


def _answer(public_key: bytes | None) -> bytes:
    if public_key is None:
        return b"\x00" + bytes(KEY_SIZE)
    return b"\x01" + public_key


def _recover_through_eth_keys(record: bytes) -> bytes | None:
    vrs = (
        record[96],
        int.from_bytes(record[32:64], "big"),
        int.from_bytes(record[64:96], "big"),
    )
    try:
        signature = keys.Signature(vrs=vrs)
        return signature.recover_public_key_from_msg_hash(record[:32]).to_bytes()
    except BadSignature:
        return None


def _check_wiring() -> None:
    """Fail unless the launcher routed keccak and ecrecover to ``zkvm``."""
    if not isinstance(keccak._backend, AcceleratedKeccak):
        raise RuntimeError("eth_hash.auto.keccak is not on zkvm.keccak256")
    if not isinstance(get_backend(), AcceleratedECCBackend):
        raise RuntimeError("eth-keys does not recover through zkvm")
    if point_evaluation.verify_kzg_proof is not verify_kzg_proof:
        raise RuntimeError("point evaluation does not check through zkvm")


def _check_kzg(record: bytes) -> bytes:
    try:
        verified = point_evaluation.verify_kzg_proof(
            record[:48],
            record[48:80],
            record[80:112],
            record[112:160],
            point_evaluation.load_trusted_setup(point_evaluation.TRUSTED_SETUP_PATH, 0),
        )
    except RuntimeError:
        return b"\x00"
    return b"\x02" if verified else b"\x01"


def hash_and_recover(data: bytes) -> bytes:
    """Answer every record of the input."""
    _check_wiring()
    answers = []
    position = 0
    while position < len(data):
        kind = data[position]
        position += 1
        if kind == 0:
            length = int.from_bytes(data[position : position + 4], "little")
            position += 4
            answers.append(keccak(data[position : position + length]))
            position += length
        elif kind == 1:
            record = data[position : position + 97]
            position += 97
            answers.append(_answer(_recover_through_eth_keys(record)))
        elif kind == 2:
            record = data[position : position + 97]
            position += 97
            answers.append(
                _answer(
                    zkvm.secp256k1_ecrecover(record[:32], record[32:96], record[96])
                )
            )
        elif kind == 3:
            answers.append(_check_kzg(data[position : position + 160]))
            position += 160
        else:
            raise ValueError(f"unknown record kind {kind}")
    return b"".join(answers)


def fail(data: bytes) -> bytes:
    """Raise, as a guest with a defect would."""
    raise RuntimeError("probe: deliberate failure")
