/*
 * The native protocol's bound values, read in C: engine.transport._notation.
 *
 * What EXECUTE and every BATCH child carry is a [short] n followed by n [value]s, each an [int] length
 * (big-endian, signed) then that many bytes; length -1 is null, -2 is "unset" (v4+), anything below -2
 * is malformed. A bulk load sends thousands of these per frame, so reading them costs the server more
 * than anything else in the frame; engine/transport/notation.py holds the same reading in Python (used
 * when this extension is not built) and documents the notations. The tests run both on the same bodies.
 *
 * Both functions stop *before* what they cannot read (a malformed or truncated value, a child that is not
 * a prepared one) and say how far they got: the caller's general reading then raises the protocol error
 * that names the field, so errors are worded in one place only.
 *
 *   read_values(data, offset, count, unset) -> (values, offset)
 *       up to `count` [value]s from data[offset:]: a tuple of bytes / None / `unset`, shorter than `count`
 *       when the next value does not fit or is malformed; the offset after the last value read.
 *
 *   read_prepared_children(data, offset, count, child_type, unset) -> (children, offset)
 *       up to `count` BATCH children of kind 1: <kind byte 1><[short bytes] id><[short] n><n [value]s>,
 *       each made as child_type((id, values)) (a tuple subclass of two items, built as tuple.__new__
 *       builds it). A child whose values do not all fit is not read. Consecutive children with the same
 *       id share one bytes object.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static inline int32_t read_int(const unsigned char *p) {
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

static inline Py_ssize_t read_short(const unsigned char *p) { return (Py_ssize_t)((p[0] << 8) | p[1]); }

/* Up to `count` values from base[*offset:end] into a new tuple of the `*done` values read; NULL on a
 * Python error (memory). *offset moves past the values read. */
static PyObject *values_at(const unsigned char *base, Py_ssize_t end, Py_ssize_t *offset, Py_ssize_t count,
                           PyObject *unset, Py_ssize_t *done) {
    PyObject *values = PyTuple_New(count);
    if (values == NULL) return NULL;
    Py_ssize_t at = *offset, i = 0;
    for (; i < count; i++) {
        if (end - at < 4) break;
        int32_t length = read_int(base + at);
        PyObject *value;
        if (length >= 0) {
            if (end - at - 4 < (Py_ssize_t)length) break;
            value = PyBytes_FromStringAndSize((const char *)base + at + 4, length);
            if (value == NULL) {
                Py_DECREF(values);
                return NULL;
            }
            at += 4 + (Py_ssize_t)length;
        } else if (length == -1) {
            value = Py_NewRef(Py_None);
            at += 4;
        } else if (length == -2) {
            value = Py_NewRef(unset);
            at += 4;
        } else {
            break;
        }
        PyTuple_SET_ITEM(values, i, value);
    }
    if (i < count) { /* the values read so far (the unfilled slots are NULL, which a tuple may free) */
        PyObject *read = PyTuple_GetSlice(values, 0, i);
        Py_DECREF(values);
        if (read == NULL) return NULL;
        values = read;
    }
    *offset = at;
    *done = i;
    return values;
}

static int bounded_offset(PyObject *data, Py_ssize_t offset) {
    if (offset < 0 || offset > PyBytes_GET_SIZE(data)) {
        PyErr_SetString(PyExc_ValueError, "offset outside the body");
        return -1;
    }
    return 0;
}

static PyObject *read_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4 || !PyBytes_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "read_values(data: bytes, offset, count, unset)");
        return NULL;
    }
    Py_ssize_t offset = PyLong_AsSsize_t(args[1]);
    Py_ssize_t count = PyLong_AsSsize_t(args[2]);
    if ((offset == -1 || count == -1) && PyErr_Occurred()) return NULL;
    if (bounded_offset(args[0], offset) < 0) return NULL;
    if (count < 0) count = 0;
    Py_ssize_t done;
    PyObject *values = values_at((const unsigned char *)PyBytes_AS_STRING(args[0]), PyBytes_GET_SIZE(args[0]),
                                 &offset, count, args[3], &done);
    if (values == NULL) return NULL;
    return Py_BuildValue("(Nn)", values, offset);
}

static PyObject *read_prepared_children(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 5 || !PyBytes_CheckExact(args[0]) || !PyType_Check(args[3]) ||
        !PyType_IsSubtype((PyTypeObject *)args[3], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "read_prepared_children(data: bytes, offset, count, child_type: a tuple type, unset)");
        return NULL;
    }
    Py_ssize_t offset = PyLong_AsSsize_t(args[1]);
    Py_ssize_t count = PyLong_AsSsize_t(args[2]);
    if ((offset == -1 || count == -1) && PyErr_Occurred()) return NULL;
    if (bounded_offset(args[0], offset) < 0) return NULL;
    PyTypeObject *child_type = (PyTypeObject *)args[3];
    PyObject *unset = args[4];
    const unsigned char *base = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    const Py_ssize_t end = PyBytes_GET_SIZE(args[0]);

    PyObject *children = PyList_New(0);
    if (children == NULL) return NULL;
    PyObject *last = NULL; /* the previous child's id (borrowed from that child) */
    for (Py_ssize_t i = 0; i < count; i++) {
        if (end - offset < 3 || base[offset] != 1) break;
        Py_ssize_t length = read_short(base + offset + 1);
        Py_ssize_t start = offset + 3;
        if (end - start < length + 2) break;
        Py_ssize_t value_count = read_short(base + start + length);
        Py_ssize_t at = start + length + 2, done;
        PyObject *values = values_at(base, end, &at, value_count, unset, &done);
        if (values == NULL) goto fail;
        if (done < value_count) { /* left to the general reading, which names what is wrong */
            Py_DECREF(values);
            break;
        }
        PyObject *statement;
        if (last != NULL && PyBytes_GET_SIZE(last) == length &&
            memcmp(PyBytes_AS_STRING(last), base + start, (size_t)length) == 0) {
            statement = Py_NewRef(last);
        } else {
            statement = PyBytes_FromStringAndSize((const char *)base + start, length);
            if (statement == NULL) {
                Py_DECREF(values);
                goto fail;
            }
        }
        PyObject *child = child_type->tp_alloc(child_type, 2);
        if (child == NULL) {
            Py_DECREF(statement);
            Py_DECREF(values);
            goto fail;
        }
        PyTuple_SET_ITEM(child, 0, statement);
        PyTuple_SET_ITEM(child, 1, values);
        int appended = PyList_Append(children, child);
        Py_DECREF(child);
        if (appended < 0) goto fail;
        last = statement;
        offset = at;
    }
    return Py_BuildValue("(Nn)", children, offset);
fail:
    Py_DECREF(children);
    return NULL;
}

static PyMethodDef methods[] = {
    {"read_values", (PyCFunction)(void (*)(void))read_values, METH_FASTCALL,
     "read_values(data, offset, count, unset) -> (values, offset): up to count [value]s."},
    {"read_prepared_children", (PyCFunction)(void (*)(void))read_prepared_children, METH_FASTCALL,
     "read_prepared_children(data, offset, count, child_type, unset) -> (children, offset): up to count "
     "BATCH children of kind 1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_notation",
                                    "The native protocol's bound values, read in C.", 0, methods};

PyMODINIT_FUNC PyInit__notation(void) { return PyModule_Create(&module); }
