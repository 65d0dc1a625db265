/*
 * The built-in Python module `zkvm`: the guest's view of the zkVM. It reads
 * the input, writes the output, marks phases, and calls accelerators with
 * the semantics of zkvm_accelerators.h.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "hosted.h"
#include "zkvm_accelerators.h"
#include "zkvm_io.h"
#include "zkvm_module.h"

/* Copy a bytes-like argument of exactly `size` bytes into `out`. */
static int copy_fixed(PyObject *argument, void *out, Py_ssize_t size,
                      const char *what)
{
    Py_buffer view;
    if (PyObject_GetBuffer(argument, &view, PyBUF_SIMPLE) < 0)
        return -1;
    if (view.len != size) {
        PyErr_Format(PyExc_ValueError, "%s must be %zd bytes, not %zd", what,
                     size, view.len);
        PyBuffer_Release(&view);
        return -1;
    }
    memcpy(out, view.buf, (size_t)size);
    PyBuffer_Release(&view);
    return 0;
}

static PyObject *zkvm_read_input(PyObject *module, PyObject *unused)
{
    const uint8_t *bytes;
    size_t size;
    read_input(&bytes, &size);
    return PyBytes_FromStringAndSize(size ? (const char *)bytes : "",
                                     (Py_ssize_t)size);
}

static PyObject *zkvm_write_output(PyObject *module, PyObject *argument)
{
    Py_buffer view;
    if (PyObject_GetBuffer(argument, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    write_output(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *zkvm_mark(PyObject *module, PyObject *argument)
{
    const char *name = PyUnicode_AsUTF8(argument);
    if (name == NULL)
        return NULL;
    mark_phase(name);
    Py_RETURN_NONE;
}

static PyObject *zkvm_keccak256_py(PyObject *module, PyObject *argument)
{
    Py_buffer view;
    zkvm_keccak256_hash hash;
    if (PyObject_GetBuffer(argument, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    zkvm_status status = zkvm_keccak256(view.buf, (size_t)view.len, &hash);
    PyBuffer_Release(&view);
    if (status != ZKVM_EOK) {
        PyErr_SetString(PyExc_RuntimeError, "zkvm_keccak256 failed");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)hash.data, sizeof hash.data);
}

static PyObject *zkvm_secp256k1_ecrecover_py(PyObject *module,
                                             PyObject *const *args,
                                             Py_ssize_t nargs)
{
    zkvm_secp256k1_hash msg;
    zkvm_secp256k1_signature sig;
    zkvm_secp256k1_pubkey key;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError,
                        "secp256k1_ecrecover(msg, sig, recid) takes 3 arguments");
        return NULL;
    }
    if (copy_fixed(args[0], msg.data, sizeof msg.data, "msg") < 0 ||
        copy_fixed(args[1], sig.data, sizeof sig.data, "sig") < 0)
        return NULL;
    long recid = PyLong_AsLong(args[2]);
    if (recid == -1 && PyErr_Occurred())
        return NULL;
    if (recid < 0 || recid > 255) {
        PyErr_SetString(PyExc_ValueError, "recid must fit in a byte");
        return NULL;
    }
    if (zkvm_secp256k1_ecrecover(&msg, &sig, (uint8_t)recid, &key) != ZKVM_EOK)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)key.data, sizeof key.data);
}

static PyObject *zkvm_kzg_point_eval_py(PyObject *module,
                                        PyObject *const *args, Py_ssize_t nargs)
{
    zkvm_kzg_commitment commitment;
    zkvm_kzg_field_element z, y;
    zkvm_kzg_proof proof;
    bool verified;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "kzg_point_eval(commitment, z, y, proof) takes 4 arguments");
        return NULL;
    }
    if (copy_fixed(args[0], commitment.data, sizeof commitment.data, "commitment") < 0 ||
        copy_fixed(args[1], z.data, sizeof z.data, "z") < 0 ||
        copy_fixed(args[2], y.data, sizeof y.data, "y") < 0 ||
        copy_fixed(args[3], proof.data, sizeof proof.data, "proof") < 0)
        return NULL;
    if (zkvm_kzg_point_eval(&commitment, &z, &y, &proof, &verified) != ZKVM_EOK)
        Py_RETURN_NONE;
    return PyBool_FromLong(verified);
}

static PyMethodDef zkvm_methods[] = {
    {"read_input", zkvm_read_input, METH_NOARGS,
     "Return the whole private input."},
    {"write_output", zkvm_write_output, METH_O,
     "Append bytes to the public output."},
    {"mark", zkvm_mark, METH_O,
     "Mark the start of a named phase for an instruction counter."},
    {"keccak256", zkvm_keccak256_py, METH_O,
     "Return the Keccak-256 hash of a bytes-like object."},
    {"secp256k1_ecrecover", (PyCFunction)(void (*)(void))zkvm_secp256k1_ecrecover_py,
     METH_FASTCALL,
     "Return the 64-byte public key that signed msg, or None if there is none."},
    {"kzg_point_eval", (PyCFunction)(void (*)(void))zkvm_kzg_point_eval_py,
     METH_FASTCALL,
     "Return whether the KZG proof holds, or None if an input is invalid."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef zkvm_definition = {
    PyModuleDef_HEAD_INIT,
    .m_name = "zkvm",
    .m_doc = "The zkVM interface of the launcher: I/O, phase marks, accelerators.",
    .m_size = -1,
    .m_methods = zkvm_methods,
};

PyObject *PyInit_zkvm(void)
{
    return PyModule_Create(&zkvm_definition);
}
