#ifndef ZKVM_MODULE_H
#define ZKVM_MODULE_H

#include <Python.h>

/* Create the built-in module `zkvm`. */
PyObject *PyInit_zkvm(void);

#endif
