/*
 * Hosted build of the zkVM I/O interface: the input is all of stdin, the
 * output goes to stdout (the standard's host-build convention). Also the
 * hosted phase marker, a system call that an instruction-counting QEMU
 * plugin watches; it does nothing elsewhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hosted.h"
#include "zkvm_io.h"

static uint8_t *input_bytes;
static size_t input_size;
static int input_read;

static void read_all_of_stdin(void)
{
    size_t capacity = 1 << 16;
    input_bytes = malloc(capacity);
    if (input_bytes == NULL)
        abort();
    for (;;) {
        if (input_size == capacity) {
            capacity *= 2;
            input_bytes = realloc(input_bytes, capacity);
            if (input_bytes == NULL)
                abort();
        }
        ssize_t got = read(0, input_bytes + input_size, capacity - input_size);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        input_size += (size_t)got;
    }
}

void read_input(const uint8_t **buf_ptr, size_t *buf_size)
{
    if (!input_read) {
        read_all_of_stdin();
        input_read = 1;
    }
    *buf_ptr = input_bytes;
    *buf_size = input_size;
}

void write_output(const uint8_t *output, size_t size)
{
    while (size > 0) {
        ssize_t put = write(1, output, size);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            abort();
        output += put;
        size -= (size_t)put;
    }
}

void mark_phase(const char *name)
{
    /* The name travels in the six argument registers, NUL-padded. */
    uint64_t words[PHASE_MARKER_WORDS] = {0};
    size_t length = strnlen(name, sizeof words);
    memcpy(words, name, length);
    syscall(PHASE_MARKER_SYSCALL, words[0], words[1], words[2], words[3],
            words[4], words[5]);
}
