/*
 * The guest program as a zkVM sees it: `int main(void)` embeds CPython,
 * reads the input through read_input, runs guest.run_stateless_guest on it,
 * and writes the returned bytes through write_output.
 *
 * Termination follows the zkVM standard: 0 when the guest returned its
 * output (an invalid block is a successful run with successful_validation
 * = 0); non-zero when the interpreter could not start or the guest raised.
 *
 * Hosted builds read three optional environment variables, for development
 * only (a zkVM has no environment, so getenv gives NULL and the defaults
 * hold): ZKVM_GUEST_PATH (the directories to find the guest in, instead of
 * the checkout the launcher was built from),
 * ZKVM_ENTRY ("module:function" instead of guest:run_stateless_guest) and
 * ZKVM_ACCELERATORS=0 (leave the guest on its pure-Python libraries).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "hosted.h"
#include "zkvm_io.h"
#include "zkvm_module.h"

#ifndef LAUNCHER_HOME
#define LAUNCHER_HOME "/usr"
#endif
/* Where the guest package is: the checkout it was built from. */
#ifndef LAUNCHER_GUEST_PATH
#define LAUNCHER_GUEST_PATH ""
#endif
/* Where its dependencies are, as the riscv64 interpreter sees them. */
#ifndef LAUNCHER_LIBRARY_PATH
#define LAUNCHER_LIBRARY_PATH ""
#endif

#define DEFAULT_ENTRY "guest:run_stateless_guest"
#define ACCELERATORS_MODULE "guest.accelerators"
#define ACCELERATORS_FUNCTION "install_accelerators"

enum exit_status {
    EXIT_GUEST_OK = 0,
    EXIT_GUEST_RAISED = 1,
    EXIT_NO_INTERPRETER = 2,
};

/* Print the pending exception and make sure it reaches stderr. */
static int guest_raised(void)
{
    PyErr_Print();
    PyObject *stderr_stream = PySys_GetObject("stderr");
    if (stderr_stream != NULL) {
        PyObject *flushed = PyObject_CallMethod(stderr_stream, "flush", NULL);
        Py_XDECREF(flushed);
    }
    PyErr_Clear();
    return EXIT_GUEST_RAISED;
}

/* Put the ':'-separated directories of `paths` in front of sys.path. */
static int prepend_search_path(const char *paths, Py_ssize_t *position)
{
    if (paths == NULL || *paths == '\0')
        return 0;
    PyObject *search_path = PySys_GetObject("path");
    char *copy = strdup(paths);
    char *rest = NULL;
    int status = 0;
    for (char *entry = strtok_r(copy, ":", &rest); entry != NULL;
         entry = strtok_r(NULL, ":", &rest)) {
        PyObject *directory = PyUnicode_DecodeFSDefault(entry);
        if (directory == NULL ||
            PyList_Insert(search_path, (*position)++, directory) < 0)
            status = -1;
        Py_XDECREF(directory);
    }
    free(copy);
    return status;
}

static int start_interpreter(void)
{
    PyConfig config;
    PyStatus status;
    if (PyImport_AppendInittab("zkvm", PyInit_zkvm) < 0)
        return -1;
    PyConfig_InitIsolatedConfig(&config);
    /* Fixed string hashing: instruction counts must not vary run to run. */
    config.use_hash_seed = 1;
    config.hash_seed = 0;
    config.site_import = 0;
    config.write_bytecode = 1;
    config.install_signal_handlers = 0;
    status = PyConfig_SetBytesString(&config, &config.home, LAUNCHER_HOME);
    if (!PyStatus_Exception(status))
        status = PyConfig_SetBytesString(&config, &config.program_name, "guest");
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        return -1;
    const char *guest_path = getenv("ZKVM_GUEST_PATH");
    Py_ssize_t position = 0;
    if (prepend_search_path(guest_path ? guest_path : LAUNCHER_GUEST_PATH,
                            &position) < 0 ||
        prepend_search_path(LAUNCHER_LIBRARY_PATH, &position) < 0)
        return -1;
    return 0;
}

/* Return module.function, the entry is "module:function". */
static PyObject *load_function(const char *entry)
{
    const char *colon = strchr(entry, ':');
    if (colon == NULL) {
        PyErr_Format(PyExc_ValueError, "entry %s is not module:function", entry);
        return NULL;
    }
    PyObject *module_name = PyUnicode_FromStringAndSize(entry, colon - entry);
    if (module_name == NULL)
        return NULL;
    PyObject *module = PyImport_Import(module_name);
    Py_DECREF(module_name);
    if (module == NULL)
        return NULL;
    PyObject *function = PyObject_GetAttrString(module, colon + 1);
    Py_DECREF(module);
    return function;
}

static int install_accelerators(void)
{
    const char *wanted = getenv("ZKVM_ACCELERATORS");
    if (wanted != NULL && strcmp(wanted, "0") == 0)
        return 0;
    PyObject *install = load_function(ACCELERATORS_MODULE ":" ACCELERATORS_FUNCTION);
    if (install == NULL)
        return -1;
    PyObject *installed = PyObject_CallNoArgs(install);
    Py_DECREF(install);
    Py_XDECREF(installed);
    return installed == NULL ? -1 : 0;
}

int main(void)
{
    mark_phase("interpreter");
    if (start_interpreter() < 0) {
        if (PyErr_Occurred())
            PyErr_Print();
        return EXIT_NO_INTERPRETER;
    }
    mark_phase("import");
    const char *entry = getenv("ZKVM_ENTRY");
    if (install_accelerators() < 0)
        return guest_raised();
    PyObject *guest = load_function(entry != NULL ? entry : DEFAULT_ENTRY);
    if (guest == NULL)
        return guest_raised();

    mark_phase("read input");
    const uint8_t *input;
    size_t input_size;
    read_input(&input, &input_size);
    PyObject *input_bytes = PyBytes_FromStringAndSize(
        input_size ? (const char *)input : "", (Py_ssize_t)input_size);
    if (input_bytes == NULL)
        return guest_raised();
    PyObject *output = PyObject_CallOneArg(guest, input_bytes);
    Py_DECREF(input_bytes);
    if (output == NULL)
        return guest_raised();

    Py_buffer view;
    if (PyObject_GetBuffer(output, &view, PyBUF_SIMPLE) < 0)
        return guest_raised();
    write_output(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    mark_phase("exit");
    /* No Py_FinalizeEx: tearing the heap down would only cost cycles. */
    return EXIT_GUEST_OK;
}
