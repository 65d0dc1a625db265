/*
 * zkvm_keccak256 in portable C: Keccak-f[1600] with rate 136 bytes and the
 * original Keccak padding (0x01 ... 0x80), as Ethereum hashes.
 */
#include <string.h>

#include "zkvm_accelerators.h"

#define KECCAK_ROUNDS 24
#define KECCAK256_RATE 136

static const uint64_t round_constants[KECCAK_ROUNDS] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets of the rho step, lane index x + 5 * y. */
static const unsigned rotations[25] = {
    0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
    25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14,
};

static uint64_t rotate_left(uint64_t lane, unsigned count)
{
    return count == 0 ? lane : (lane << count) | (lane >> (64 - count));
}

static void keccak_f1600(uint64_t state[25])
{
    for (int round = 0; round < KECCAK_ROUNDS; round++) {
        uint64_t column[5], moved[25];
        for (int x = 0; x < 5; x++)
            column[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^
                        state[x + 15] ^ state[x + 20];
        for (int x = 0; x < 5; x++) {
            uint64_t theta = column[(x + 4) % 5] ^
                             rotate_left(column[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5)
                state[x + y] ^= theta;
        }
        /* rho and pi: lane (x, y) moves to (y, 2x + 3y). */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                moved[y + 5 * ((2 * x + 3 * y) % 5)] =
                    rotate_left(state[x + 5 * y], rotations[x + 5 * y]);
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++)
                state[x + y] = moved[x + y] ^
                               (~moved[(x + 1) % 5 + y] & moved[(x + 2) % 5 + y]);
        state[0] ^= round_constants[round];
    }
}

static uint64_t load_lane(const uint8_t *bytes)
{
    uint64_t lane = 0;
    for (int i = 7; i >= 0; i--)
        lane = (lane << 8) | bytes[i];
    return lane;
}

static void absorb_block(uint64_t state[25], const uint8_t *block)
{
    for (int i = 0; i < KECCAK256_RATE / 8; i++)
        state[i] ^= load_lane(block + 8 * i);
    keccak_f1600(state);
}

zkvm_status zkvm_keccak256(const uint8_t *data, size_t len,
                           zkvm_keccak256_hash *output)
{
    uint64_t state[25] = {0};
    uint8_t last[KECCAK256_RATE];
    while (len >= KECCAK256_RATE) {
        absorb_block(state, data);
        data += KECCAK256_RATE;
        len -= KECCAK256_RATE;
    }
    memset(last, 0, sizeof last);
    if (len > 0)
        memcpy(last, data, len);
    last[len] ^= 0x01;
    last[KECCAK256_RATE - 1] ^= 0x80;
    absorb_block(state, last);
    for (int i = 0; i < 32; i++)
        output->data[i] = (uint8_t)(state[i / 8] >> (8 * (i % 8)));
    return ZKVM_EOK;
}
