"""
One call to every precompile with a well-formed input, and a few failures.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A probe contract passes its call data to the precompile and stores the
success flag, the hash of the returned data and its size, so the post-state
root depends on every output byte. The pairing precompiles are called once
each with one pair: their pure-Python backends are slow.
"""

import hashlib
from typing import Any

from Crypto.Hash import SHA256
from Crypto.PublicKey import ECC
from Crypto.Signature import DSS
from eth_utils import keccak
from py_ecc import bn128
from py_ecc import optimized_bls12_381 as bls

from ...schema import ProtocolFork
from ..scenario import Account, Scenario, Transaction, private_key
from . import fixed_address, scenario
from .evm import (
    CALLDATASIZE,
    RETURNDATASIZE,
    STATICCALL,
    call,
    calldata_to_memory,
    return_data_hash,
    store_result,
)

PROBE = fixed_address(0x80)
PRECOMPILE_CALL_GAS = 150_000

WORD = 32
BLS_FIELD_ELEMENT_SIZE = 64
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
POINT_AT_INFINITY_COMPRESSED = b"\xc0" + bytes(47)
KZG_VERSIONED_HASH_VERSION = b"\x01"


def _probe_code(address: int) -> bytes:
    target = address.to_bytes(20, "big")
    return (
        calldata_to_memory()
        + store_result(
            0,
            call(
                target,
                args_size=CALLDATASIZE,
                gas=PRECOMPILE_CALL_GAS,
                opcode=STATICCALL,
            ),
        )
        + store_result(1, return_data_hash())
        + store_result(2, RETURNDATASIZE)
    )


def _call_precompile(address: int, data: bytes) -> Scenario:
    return Scenario(
        pre={PROBE: Account(code=_probe_code(address))},
        transactions=[Transaction(1, PROBE, data=data, gas=400_000)],
    )


def _word(value: int) -> bytes:
    return value.to_bytes(WORD, "big")


def _bn_g1(point: Any) -> bytes:
    return _word(int(point[0])) + _word(int(point[1]))


def _bn_g2(point: Any) -> bytes:
    x, y = point
    coordinates = (x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0])
    return b"".join(_word(int(value)) for value in coordinates)


def _bls_fp(value: int) -> bytes:
    return value.to_bytes(BLS_FIELD_ELEMENT_SIZE, "big")


def _bls_g1(point: Any) -> bytes:
    x, y = bls.normalize(point)
    return _bls_fp(int(x)) + _bls_fp(int(y))


def _bls_g2(point: Any) -> bytes:
    x, y = bls.normalize(point)
    return b"".join(_bls_fp(int(value)) for value in (*x.coeffs, *y.coeffs))


@scenario()
def ecrecover(fork: ProtocolFork) -> Scenario:
    """Recover the signer of a message hash (0x01)."""
    message_hash = keccak(b"scenario message")
    signature = private_key(7).sign_msg_hash(message_hash)
    data = message_hash + _word(signature.v + 27) + _word(signature.r)
    return _call_precompile(0x01, data + _word(signature.s))


@scenario()
def sha256(fork: ProtocolFork) -> Scenario:
    """Hash bytes with SHA-256 (0x02)."""
    return _call_precompile(0x02, b"abc" * 30)


@scenario()
def ripemd160(fork: ProtocolFork) -> Scenario:
    """Hash bytes with RIPEMD-160 (0x03)."""
    return _call_precompile(0x03, b"abc" * 30)


@scenario()
def identity(fork: ProtocolFork) -> Scenario:
    """Copy bytes with the identity precompile (0x04)."""
    return _call_precompile(0x04, bytes(range(100)))


@scenario()
def modexp(fork: ProtocolFork) -> Scenario:
    """Compute 3^5 mod 7 with MODEXP (0x05)."""
    return _call_precompile(0x05, _word(1) * 3 + bytes([3, 5, 7]))


@scenario()
def modexp_large_modulus(fork: ProtocolFork) -> Scenario:
    """Compute a modular power with 64-byte operands (0x05)."""
    size = 64
    base = keccak(b"base") * 2
    exponent = keccak(b"exponent") * 2
    modulus = keccak(b"modulus") * 2
    return _call_precompile(0x05, _word(size) * 3 + base + exponent + modulus)


@scenario()
def modexp_empty_base(fork: ProtocolFork) -> Scenario:
    """Compute 0^0 mod 5 with an empty base and exponent: one (0x05)."""
    return _call_precompile(0x05, _word(0) + _word(0) + _word(1) + bytes([5]))


@scenario()
def bn254_add(fork: ProtocolFork) -> Scenario:
    """Add two alt_bn128 points (0x06)."""
    return _call_precompile(0x06, _bn_g1(bn128.G1) * 2)


@scenario()
def bn254_mul(fork: ProtocolFork) -> Scenario:
    """Multiply an alt_bn128 point by a scalar (0x07)."""
    return _call_precompile(0x07, _bn_g1(bn128.G1) + _word(5))


@scenario()
def bn254_pairing(fork: ProtocolFork) -> Scenario:
    """Check a one-pair alt_bn128 pairing (0x08)."""
    return _call_precompile(0x08, _bn_g1(bn128.G1) + _bn_g2(bn128.G2))


@scenario()
def bn254_add_invalid_point(fork: ProtocolFork) -> Scenario:
    """Add a point that is not on the curve: the call fails."""
    return _call_precompile(0x06, _word(1) + _word(3) + _bn_g1(bn128.G1))


@scenario()
def blake2f(fork: ProtocolFork) -> Scenario:
    """Run twelve BLAKE2 compression rounds (0x09)."""
    state = hashlib.blake2b(b"state").digest()
    message = hashlib.blake2b(b"message").digest() * 2
    offsets = (3).to_bytes(8, "little") + bytes(8)
    return _call_precompile(
        0x09, (12).to_bytes(4, "big") + state + message + offsets + b"\x01"
    )


@scenario(since=ProtocolFork.Cancun)
def point_evaluation(fork: ProtocolFork) -> Scenario:
    """Verify a KZG opening of the zero polynomial (0x0a) [EIP-4844]."""
    commitment = POINT_AT_INFINITY_COMPRESSED
    versioned_hash = (
        KZG_VERSIONED_HASH_VERSION + hashlib.sha256(commitment).digest()[1:]
    )
    z = _word(0x1234)
    y = _word(0)
    proof = POINT_AT_INFINITY_COMPRESSED
    return _call_precompile(0x0A, versioned_hash + z + y + commitment + proof)


@scenario(since=ProtocolFork.Prague)
def bls12_g1_add(fork: ProtocolFork) -> Scenario:
    """Add two BLS12-381 G1 points (0x0b) [EIP-2537]."""
    return _call_precompile(0x0B, _bls_g1(bls.G1) + _bls_g1(bls.multiply(bls.G1, 2)))


@scenario(since=ProtocolFork.Prague)
def bls12_g1_msm(fork: ProtocolFork) -> Scenario:
    """Multiply a BLS12-381 G1 point by a scalar (0x0c) [EIP-2537]."""
    return _call_precompile(0x0C, _bls_g1(bls.G1) + _word(7))


@scenario(since=ProtocolFork.Prague)
def bls12_g2_add(fork: ProtocolFork) -> Scenario:
    """Add two BLS12-381 G2 points (0x0d) [EIP-2537]."""
    return _call_precompile(0x0D, _bls_g2(bls.G2) + _bls_g2(bls.multiply(bls.G2, 2)))


@scenario(since=ProtocolFork.Prague)
def bls12_g2_msm(fork: ProtocolFork) -> Scenario:
    """Multiply a BLS12-381 G2 point by a scalar (0x0e) [EIP-2537]."""
    return _call_precompile(0x0E, _bls_g2(bls.G2) + _word(7))


@scenario(since=ProtocolFork.Prague)
def bls12_pairing(fork: ProtocolFork) -> Scenario:
    """Check a one-pair BLS12-381 pairing (0x0f) [EIP-2537]."""
    return _call_precompile(0x0F, _bls_g1(bls.G1) + _bls_g2(bls.G2))


@scenario(since=ProtocolFork.Prague)
def bls12_map_fp_to_g1(fork: ProtocolFork) -> Scenario:
    """Map a field element to a BLS12-381 G1 point (0x10) [EIP-2537]."""
    return _call_precompile(0x10, _bls_fp(0x1234567))


@scenario(since=ProtocolFork.Prague)
def bls12_map_fp2_to_g2(fork: ProtocolFork) -> Scenario:
    """Map an Fp2 element to a BLS12-381 G2 point (0x11) [EIP-2537]."""
    return _call_precompile(0x11, _bls_fp(0x1234567) + _bls_fp(0x89ABCDEF))


@scenario(since=ProtocolFork.Osaka)
def p256_verify(fork: ProtocolFork) -> Scenario:
    """Verify a secp256r1 signature (0x100) [EIP-7951]."""
    key = ECC.construct(curve="P-256", d=int.from_bytes(keccak(b"p256 key")))
    digest = SHA256.new(b"scenario message")
    signature = DSS.new(key, "deterministic-rfc6979").sign(digest)
    point = key.public_key().pointQ
    data = digest.digest() + signature + _word(int(point.x)) + _word(int(point.y))
    return _call_precompile(0x100, data)


@scenario(since=ProtocolFork.Osaka)
def p256_verify_bad_signature(fork: ProtocolFork) -> Scenario:
    """Reject a secp256r1 signature with s out of range (0x100) [EIP-7951]."""
    key = ECC.construct(curve="P-256", d=int.from_bytes(keccak(b"p256 key")))
    point = key.public_key().pointQ
    data = keccak(b"digest") + _word(1) + _word(P256_ORDER)
    return _call_precompile(0x100, data + _word(int(point.x)) + _word(int(point.y)))
