/*
 * Services of the hosted (Linux, qemu-user) launcher beyond the standard.
 */
#ifndef HOSTED_H
#define HOSTED_H

/*
 * A system call number no kernel assigns: Linux answers ENOSYS, and the
 * instruction-count plugin (riscv/plugin/insn_count.c) records a phase
 * boundary. The phase name, at most 48 bytes, is packed little-endian into
 * the six argument registers.
 */
#define PHASE_MARKER_SYSCALL 0x5a4b
#define PHASE_MARKER_WORDS 6

/* Mark the start of a phase for an attached instruction counter. */
void mark_phase(const char *name);

#endif
