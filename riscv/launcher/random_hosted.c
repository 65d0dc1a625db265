/*
 * Invariant "randomness" for the hosted launcher.
 *
 * Inside a zkVM every run of a program must be reproducible; the zkVM
 * host-randomness standard requires its random source to give invariant
 * outputs. The hosted build does the same: the executable defines
 * getrandom, getentropy and syscall (for SYS_getrandom only), which
 * interpose on glibc's for every library. That covers CPython's seeding (its
 * string-hash seed is fixed anyway), OpenSSL's, and the Rust hash maps
 * inside pydantic-core (std and ahash), whose layout would otherwise change
 * the executed instruction count from run to run. Nothing in the guest
 * relies on these bytes being unpredictable.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define SYSCALL_ARGUMENTS 6

#define RANDOM_STREAM_SEED 0x7a6b766d5f726e67ULL /* "zkvm_rng" */

static uint64_t random_state = RANDOM_STREAM_SEED;

/* SplitMix64: a fixed, well-mixed stream of 64-bit words. */
static uint64_t next_random_word(void)
{
    uint64_t word = (random_state += 0x9e3779b97f4a7c15ULL);
    word = (word ^ (word >> 30)) * 0xbf58476d1ce4e5b9ULL;
    word = (word ^ (word >> 27)) * 0x94d049bb133111ebULL;
    return word ^ (word >> 31);
}

ssize_t getrandom(void *buffer, size_t length, unsigned int flags)
{
    uint8_t *bytes = buffer;
    (void)flags;
    for (size_t i = 0; i < length; i += 8) {
        uint64_t word = next_random_word();
        for (size_t j = 0; j < 8 && i + j < length; j++)
            bytes[i + j] = (uint8_t)(word >> (8 * j));
    }
    return (ssize_t)length;
}

int getentropy(void *buffer, size_t length)
{
    getrandom(buffer, length, 0);
    return 0;
}

long syscall(long number, ...)
{
    static long (*next_syscall)(long, ...);
    long arguments[SYSCALL_ARGUMENTS];
    va_list list;
    va_start(list, number);
    for (int i = 0; i < SYSCALL_ARGUMENTS; i++)
        arguments[i] = va_arg(list, long);
    va_end(list);
    if (number == SYS_getrandom)
        return getrandom((void *)arguments[0], (size_t)arguments[1],
                         (unsigned int)arguments[2]);
    if (next_syscall == NULL)
        next_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    return next_syscall(number, arguments[0], arguments[1], arguments[2],
                        arguments[3], arguments[4], arguments[5]);
}
