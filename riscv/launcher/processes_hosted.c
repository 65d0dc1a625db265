/*
 * No processes in the hosted launcher, as in a zkVM.
 *
 * A zkVM guest cannot start programs. Some libraries try anyway when they
 * probe their environment (ctypes.util.find_library runs ldconfig and gcc,
 * which pycryptodome's GMP probe calls); under qemu-user that would run host
 * programs, cost time, and make the instruction count depend on how a pipe's
 * reads happen to be split. The executable defines fork, vfork and
 * posix_spawn(p), interposing on glibc's, so that every attempt fails with
 * ENOSYS and the library takes its no-helper path, as it must in a zkVM.
 */
#include <errno.h>
#include <spawn.h>
#include <sys/types.h>
#include <unistd.h>

pid_t fork(void)
{
    errno = ENOSYS;
    return -1;
}

pid_t vfork(void)
{
    errno = ENOSYS;
    return -1;
}

int posix_spawn(pid_t *pid, const char *path,
                const posix_spawn_file_actions_t *file_actions,
                const posix_spawnattr_t *attributes, char *const argv[],
                char *const envp[])
{
    return ENOSYS;
}

int posix_spawnp(pid_t *pid, const char *file,
                 const posix_spawn_file_actions_t *file_actions,
                 const posix_spawnattr_t *attributes, char *const argv[],
                 char *const envp[])
{
    return ENOSYS;
}
