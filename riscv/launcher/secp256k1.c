/*
 * zkvm_secp256k1_ecrecover over libsecp256k1 (the library coincurve wraps),
 * so that recovery fails and succeeds exactly where the host's does.
 */
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "zkvm_accelerators.h"

static secp256k1_context *verification_context(void)
{
    static secp256k1_context *context;
    if (context == NULL)
        context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return context;
}

zkvm_status zkvm_secp256k1_ecrecover(const zkvm_secp256k1_hash *msg,
                                     const zkvm_secp256k1_signature *sig,
                                     uint8_t recid,
                                     zkvm_secp256k1_pubkey *output)
{
    secp256k1_context *context = verification_context();
    secp256k1_ecdsa_recoverable_signature signature;
    secp256k1_pubkey key;
    uint8_t serialized[65];
    size_t serialized_size = sizeof serialized;
    if (recid > 3)
        return ZKVM_EFAIL;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(
            context, &signature, sig->data, recid))
        return ZKVM_EFAIL;
    if (!secp256k1_ecdsa_recover(context, &key, &signature, msg->data))
        return ZKVM_EFAIL;
    secp256k1_ec_pubkey_serialize(context, serialized, &serialized_size, &key,
                                  SECP256K1_EC_UNCOMPRESSED);
    for (int i = 0; i < 64; i++)
        output->data[i] = serialized[i + 1];
    return ZKVM_EOK;
}
