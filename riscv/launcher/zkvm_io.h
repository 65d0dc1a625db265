/*
 * zkVM standard I/O interface (eth-act/zkvm-standards, io-interface).
 *
 * read_input: zero-copy view of the whole private input; idempotent; cannot
 * fail; a size of 0 means the pointer must not be used.
 * write_output: append bytes to the public output; cannot fail.
 */
#ifndef ZKVM_IO_H
#define ZKVM_IO_H

#include <stddef.h>
#include <stdint.h>

void read_input(const uint8_t **buf_ptr, size_t *buf_size);
void write_output(const uint8_t *output, size_t size);

#endif
