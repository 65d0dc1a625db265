/*
 * zkvm_kzg_point_eval over blst: the KZG check of the point-evaluation
 * precompile (EIP-4844), e(C - [y]G1, G2) == e(proof, [s - z]G2).
 *
 * Only one point of the trusted setup is needed, [s]G2, so nothing is loaded
 * at run time (py-evm loads the whole setup through ckzg on every call, about
 * 2e11 riscv64 instructions under emulation). Inputs are validated as c-kzg
 * validates them, so that the same inputs fail: commitment and proof must be
 * compressed G1 points in the subgroup (infinity allowed), z and y canonical
 * field elements.
 */
#include <blst.h>
#include <stdbool.h>

#include "zkvm_accelerators.h"

#define FIELD_ELEMENT_BITS 255

/* [s]G2 of the Ethereum KZG ceremony: g2_monomial[1] of its trusted setup. */
static const uint8_t setup_s_g2[96] = {
    0xb5, 0xbf, 0xd7, 0xdd, 0x8c, 0xde, 0xb1, 0x28, 0x84, 0x3b, 0xc2, 0x87,
    0x23, 0x0a, 0xf3, 0x89, 0x26, 0x18, 0x70, 0x75, 0xcb, 0xfb, 0xef, 0xa8,
    0x10, 0x09, 0xa2, 0xce, 0x61, 0x5a, 0xc5, 0x3d, 0x29, 0x14, 0xe5, 0x87,
    0x0c, 0xb4, 0x52, 0xd2, 0xaf, 0xaa, 0xab, 0x24, 0xf3, 0x49, 0x9f, 0x72,
    0x18, 0x5c, 0xbf, 0xee, 0x53, 0x49, 0x27, 0x14, 0x73, 0x44, 0x29, 0xb7,
    0xb3, 0x86, 0x08, 0xe2, 0x39, 0x26, 0xc9, 0x11, 0xcc, 0xec, 0xea, 0xc9,
    0xa3, 0x68, 0x51, 0x47, 0x7b, 0xa4, 0xc6, 0x0b, 0x08, 0x70, 0x41, 0xde,
    0x62, 0x10, 0x00, 0xed, 0xc9, 0x8e, 0xda, 0xda, 0x20, 0xc1, 0xde, 0xf2,
};

static bool g1_from_bytes(blst_p1 *out, const uint8_t bytes[48])
{
    blst_p1_affine affine;
    if (blst_p1_uncompress(&affine, bytes) != BLST_SUCCESS)
        return false;
    blst_p1_from_affine(out, &affine);
    return blst_p1_is_inf(out) || blst_p1_in_g1(out);
}

static bool scalar_from_bytes(blst_scalar *out, const uint8_t bytes[32])
{
    blst_scalar_from_bendian(out, bytes);
    return blst_scalar_fr_check(out);
}

/* Return whether e(a1, a2) == e(b1, b2). */
static bool pairings_agree(const blst_p1 *a1, const blst_p2 *a2,
                           const blst_p1 *b1, const blst_p2 *b2)
{
    blst_p1 negated = *a1;
    blst_p1_affine a1_affine, b1_affine;
    blst_p2_affine a2_affine, b2_affine;
    blst_fp12 left, right, product;
    blst_p1_cneg(&negated, true);
    blst_p1_to_affine(&a1_affine, &negated);
    blst_p1_to_affine(&b1_affine, b1);
    blst_p2_to_affine(&a2_affine, a2);
    blst_p2_to_affine(&b2_affine, b2);
    blst_miller_loop(&left, &a2_affine, &a1_affine);
    blst_miller_loop(&right, &b2_affine, &b1_affine);
    blst_fp12_mul(&product, &left, &right);
    blst_final_exp(&product, &product);
    return blst_fp12_is_one(&product);
}

zkvm_status zkvm_kzg_point_eval(const zkvm_kzg_commitment *commitment,
                                const zkvm_kzg_field_element *z,
                                const zkvm_kzg_field_element *y,
                                const zkvm_kzg_proof *proof, bool *verified)
{
    blst_p1 commitment_point, proof_point, y_point;
    blst_p2 s_point, z_point;
    blst_p2_affine s_affine;
    blst_scalar z_scalar, y_scalar;
    *verified = false;
    if (!g1_from_bytes(&commitment_point, commitment->data) ||
        !scalar_from_bytes(&z_scalar, z->data) ||
        !scalar_from_bytes(&y_scalar, y->data) ||
        !g1_from_bytes(&proof_point, proof->data))
        return ZKVM_EFAIL;
    if (blst_p2_uncompress(&s_affine, setup_s_g2) != BLST_SUCCESS)
        return ZKVM_EFAIL;
    blst_p2_from_affine(&s_point, &s_affine);

    /* [s - z]G2 */
    blst_p2_mult(&z_point, blst_p2_generator(), z_scalar.b, FIELD_ELEMENT_BITS);
    blst_p2_cneg(&z_point, true);
    blst_p2_add_or_double(&s_point, &s_point, &z_point);
    /* C - [y]G1 */
    blst_p1_mult(&y_point, blst_p1_generator(), y_scalar.b, FIELD_ELEMENT_BITS);
    blst_p1_cneg(&y_point, true);
    blst_p1_add_or_double(&commitment_point, &commitment_point, &y_point);

    *verified = pairings_agree(&commitment_point, blst_p2_generator(),
                               &proof_point, &s_point);
    return ZKVM_EOK;
}
