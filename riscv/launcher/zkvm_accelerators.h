/*
 * The subset of the zkVM accelerator C interface that this launcher provides.
 *
 * Pinned to eth-act/zkvm-standards main d5f1813 (2026-05-12),
 * standards/c-interface-accelerators: status codes, 8-byte-aligned byte
 * structs, and the keccak256, secp256k1 ecrecover and KZG point-evaluation
 * signatures (the type names of the KZG arguments are ours). A zkVM's
 * vendor library replaces these functions with its precompiles.
 */
#ifndef ZKVM_ACCELERATORS_H
#define ZKVM_ACCELERATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ZKVM_EOK = 0, ZKVM_EFAIL = -1 } zkvm_status;

typedef struct { _Alignas(8) uint8_t data[32]; } zkvm_bytes_32;
typedef struct { _Alignas(8) uint8_t data[48]; } zkvm_bytes_48;
typedef struct { _Alignas(8) uint8_t data[64]; } zkvm_bytes_64;

typedef zkvm_bytes_32 zkvm_keccak256_hash;
typedef zkvm_bytes_32 zkvm_secp256k1_hash;
typedef zkvm_bytes_64 zkvm_secp256k1_signature; /* r || s, big-endian */
typedef zkvm_bytes_64 zkvm_secp256k1_pubkey;    /* x || y, big-endian */
typedef zkvm_bytes_48 zkvm_kzg_commitment;      /* compressed G1 */
typedef zkvm_bytes_48 zkvm_kzg_proof;           /* compressed G1 */
typedef zkvm_bytes_32 zkvm_kzg_field_element;   /* big-endian, < r */

/* Keccak-256 (the original padding, as Ethereum uses it). */
zkvm_status zkvm_keccak256(const uint8_t *data, size_t len,
                           zkvm_keccak256_hash *output);

/*
 * Recover the public key that signed msg (precompile 0x01 returns the
 * address; callers hash the key themselves). recid is the y parity, 0 or 1
 * (2 and 3 select the rarely valid x >= n cases). ZKVM_EFAIL when no key can
 * be recovered.
 */
zkvm_status zkvm_secp256k1_ecrecover(const zkvm_secp256k1_hash *msg,
                                     const zkvm_secp256k1_signature *sig,
                                     uint8_t recid,
                                     zkvm_secp256k1_pubkey *output);

/*
 * The KZG check of the point-evaluation precompile (0x0a): *verified says
 * whether p(z) = y for the polynomial committed to. ZKVM_EFAIL when an
 * input is not a valid G1 point or field element.
 */
zkvm_status zkvm_kzg_point_eval(const zkvm_kzg_commitment *commitment,
                                const zkvm_kzg_field_element *z,
                                const zkvm_kzg_field_element *y,
                                const zkvm_kzg_proof *proof, bool *verified);

#endif
