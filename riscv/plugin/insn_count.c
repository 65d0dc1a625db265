/*
 * QEMU TCG plugin: count the guest instructions that qemu-riscv64 executes,
 * in total and per phase.
 *
 * A development tool only, never linked into the guest: it is built against
 * QEMU's GPL-2.0-or-later qemu-plugin.h (plugin API version 1, QEMU 7.2).
 *
 * Phases: the launcher marks a phase boundary with system call 0x5a4b,
 * whose six argument registers hold the phase name (NUL-padded,
 * little-endian). The plugin records the name with the instruction count at
 * that point. Linux itself answers the call with ENOSYS.
 *
 * Options: out=FILE writes the JSON report there (default: QEMU's log,
 * i.e. stderr with -d plugin).
 *
 * Counting is per translated block, added when the block starts; a block
 * ends at every system call, so the counts at the marks are exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define PHASE_MARKER_SYSCALL 0x5a4b
#define PHASE_NAME_BYTES 48
#define MAX_MARKS 1024

struct mark {
    char name[PHASE_NAME_BYTES + 1];
    uint64_t instructions;
};

static uint64_t instructions;
static struct mark marks[MAX_MARKS];
static int mark_count;
static int marks_dropped;
static const char *report_path;
static int exact;

static void on_translation(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    if (!exact) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &instructions,
                                                 qemu_plugin_tb_n_insns(tb));
        return;
    }
    for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++)
        qemu_plugin_register_vcpu_insn_exec_inline(
            qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64,
            &instructions, 1);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu_index,
                       int64_t number, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7,
                       uint64_t a8)
{
    const uint64_t words[6] = {a1, a2, a3, a4, a5, a6};
    if (number != PHASE_MARKER_SYSCALL)
        return;
    if (mark_count == MAX_MARKS) {
        marks_dropped++;
        return;
    }
    struct mark *mark = &marks[mark_count++];
    for (int i = 0; i < PHASE_NAME_BYTES; i++)
        mark->name[i] = (char)(words[i / 8] >> (8 * (i % 8)));
    mark->name[PHASE_NAME_BYTES] = '\0';
    mark->instructions = instructions;
}

static void write_json_string(FILE *stream, const char *text)
{
    fputc('"', stream);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(stream, "\\%c", *c);
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(stream, "\\u%04x", *c);
        else
            fputc(*c, stream);
    }
    fputc('"', stream);
}

static void write_report(FILE *stream)
{
    fprintf(stream, "{\"instructions\": %" PRIu64 ", \"marks_dropped\": %d, "
                    "\"marks\": [", instructions, marks_dropped);
    for (int i = 0; i < mark_count; i++) {
        fprintf(stream, "%s{\"name\": ", i ? ", " : "");
        write_json_string(stream, marks[i].name);
        fprintf(stream, ", \"at\": %" PRIu64 "}", marks[i].instructions);
    }
    fprintf(stream, "]}\n");
}

static void on_plugin_exit(qemu_plugin_id_t id, void *unused)
{
    if (report_path != NULL) {
        FILE *stream = fopen(report_path, "w");
        if (stream != NULL) {
            write_report(stream);
            fclose(stream);
            return;
        }
    }
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (stream == NULL)
        return;
    write_report(stream);
    fclose(stream);
    qemu_plugin_outs(text);
    free(text);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
                                           const qemu_info_t *info, int argc,
                                           char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            report_path = strdup(argv[i] + 4);
        } else if (strcmp(argv[i], "exact=on") == 0) {
            exact = 1;
        } else {
            fprintf(stderr, "insn_count: unknown option %s\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translation);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
