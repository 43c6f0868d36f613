/*
 * The rows of a plain prepared write, built in C: engine.db._plain_rows.build.
 *
 * engine/cql3/statements/plain_write.py explains plain writes (a BATCH running one simple prepared
 * INSERT/UPDATE many times) and holds the same building in Python (`_python_rows`, used when this
 * extension is not built); engine/db/serialization.py documents the row format these bytes are in
 * (`plain_row`, `plain_cell_column`, `plain_tombstone_column`, `plain_list_column`). The tests build
 * random batches both ways and compare the results byte for byte.
 *
 *   build(children, plan, marker, timestamp, now, prefix, sequence, unset) -> list | None
 *
 * children   a sequence of value tuples or lists (bytes / None / unset, as the protocol gave them)
 * plan       (keys, clustering, columns, sizes):
 *              keys, clustering: one check per key column, (index, kind, fixed, allows_empty, validate)
 *              columns: one per assignment, (name, check, element check or None); `name` is the column
 *                name as the row format writes it (vint length + UTF-8), `check` is
 *                (index, kind, fixed, allows_empty, validate), and a list column has an element check
 *                (whose index is not used)
 *              sizes: (a row's base size, a cell's overhead, a deletion's size), batch_limits' counts
 *            kind: 0 fixed length (`fixed` bytes, or empty when `allows_empty`), 1 UTF-8 (what
 *            bytes.decode("utf-8") accepts), 2 ASCII (no byte >= 0x80), 3 call `validate(value)`
 * marker     the INSERT's row marker timestamp, or None for an UPDATE
 * prefix     the first 8 bytes of every appended list element's cell path (CellFactory.list_paths)
 * sequence   the iterator whose next() numbers the paths (the last 8 bytes, big-endian)
 * unset      the protocol's "unset" value: a column given it is not written
 *
 * Returns one (key, clustering, row bytes, data size, holds a timestamp) per child that writes a row,
 * in the children's order, or None when a value needs the general path: a null or unset key value, a
 * value its type refuses, an empty or too long key, a malformed list. An exception raised by a `validate`
 * call propagates (the caller treats it as the general path's business, as it does in Python).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_KEY_LENGTH 0xFFFF
#define KIND_CELL 0
#define KIND_COMPLEX 1
#define CELL_TOMBSTONE 1
#define ROW_LIVENESS 1
#define NO_DELETION_TIME 0x7FFFFFFF
#define PATH_LENGTH 16

enum check_kind { CHECK_FIXED = 0, CHECK_UTF8 = 1, CHECK_ASCII = 2, CHECK_CALL = 3 };

typedef struct {
    Py_ssize_t index;
    int kind;
    Py_ssize_t fixed;
    int allows_empty;
    PyObject *validate; /* borrowed from the plan */
} Check;

typedef struct {
    PyObject *name; /* bytes, borrowed */
    Check check;
    int is_list;
    Check element;
} Column;

typedef struct {
    char *data;
    Py_ssize_t length, capacity;
} Buffer;

/* ------------------------------------------------------------------------------------------ buffer */

static int reserve(Buffer *b, Py_ssize_t more) {
    if (b->length + more <= b->capacity) return 0;
    Py_ssize_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < b->length + more) capacity *= 2;
    char *data = PyMem_Realloc(b->data, (size_t)capacity);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    return 0;
}

static int put(Buffer *b, const void *bytes, Py_ssize_t n) {
    if (reserve(b, n) < 0) return -1;
    memcpy(b->data + b->length, bytes, (size_t)n);
    b->length += n;
    return 0;
}

static int put_byte(Buffer *b, unsigned char value) { return put(b, &value, 1); }

/* serialization.write_vint: seven bits at a time, lowest first, the high bit saying more follow */
static int put_vint(Buffer *b, uint64_t value) {
    unsigned char bytes[10];
    int n = 0;
    while (value >= 0x80) {
        bytes[n++] = (unsigned char)((value & 0x7F) | 0x80);
        value >>= 7;
    }
    bytes[n++] = (unsigned char)value;
    return put(b, bytes, n);
}

static int put_be64(Buffer *b, uint64_t value) {
    unsigned char bytes[8];
    for (int i = 7; i >= 0; i--) {
        bytes[i] = (unsigned char)(value & 0xFF);
        value >>= 8;
    }
    return put(b, bytes, 8);
}

static int put_be32(Buffer *b, uint32_t value) {
    unsigned char bytes[4] = {(unsigned char)(value >> 24), (unsigned char)(value >> 16),
                              (unsigned char)(value >> 8), (unsigned char)value};
    return put(b, bytes, 4);
}

static int put_sized(Buffer *b, const char *bytes, Py_ssize_t n) {
    if (put_vint(b, (uint64_t)n) < 0) return -1;
    return put(b, bytes, n);
}

/* -------------------------------------------------------------------------------------------- plan */

static int read_check(PyObject *spec, Check *check) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 5) {
        PyErr_SetString(PyExc_TypeError, "a check is (index, kind, fixed, allows_empty, validate)");
        return -1;
    }
    check->index = PyLong_AsSsize_t(PyTuple_GET_ITEM(spec, 0));
    check->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 1));
    check->fixed = PyLong_AsSsize_t(PyTuple_GET_ITEM(spec, 2));
    check->allows_empty = PyObject_IsTrue(PyTuple_GET_ITEM(spec, 3));
    check->validate = PyTuple_GET_ITEM(spec, 4);
    if (PyErr_Occurred()) return -1;
    if (check->kind < CHECK_FIXED || check->kind > CHECK_CALL) {
        PyErr_SetString(PyExc_ValueError, "unknown check kind");
        return -1;
    }
    return 0;
}

static Check *read_checks(PyObject *specs, Py_ssize_t *count) {
    if (!PyTuple_Check(specs)) {
        PyErr_SetString(PyExc_TypeError, "checks must be a tuple");
        return NULL;
    }
    *count = PyTuple_GET_SIZE(specs);
    Check *checks = PyMem_Calloc((size_t)(*count ? *count : 1), sizeof(Check));
    if (checks == NULL) return (Check *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < *count; i++) {
        if (read_check(PyTuple_GET_ITEM(specs, i), &checks[i]) < 0) {
            PyMem_Free(checks);
            return NULL;
        }
    }
    return checks;
}

static Column *read_columns(PyObject *specs, Py_ssize_t *count) {
    if (!PyTuple_Check(specs)) {
        PyErr_SetString(PyExc_TypeError, "columns must be a tuple");
        return NULL;
    }
    *count = PyTuple_GET_SIZE(specs);
    Column *columns = PyMem_Calloc((size_t)(*count ? *count : 1), sizeof(Column));
    if (columns == NULL) return (Column *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < *count; i++) {
        PyObject *spec = PyTuple_GET_ITEM(specs, i);
        if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 3 || !PyBytes_Check(PyTuple_GET_ITEM(spec, 0))) {
            PyErr_SetString(PyExc_TypeError, "a column is (name bytes, check, element check or None)");
            goto fail;
        }
        columns[i].name = PyTuple_GET_ITEM(spec, 0);
        if (read_check(PyTuple_GET_ITEM(spec, 1), &columns[i].check) < 0) goto fail;
        PyObject *element = PyTuple_GET_ITEM(spec, 2);
        columns[i].is_list = element != Py_None;
        if (columns[i].is_list && read_check(element, &columns[i].element) < 0) goto fail;
    }
    return columns;
fail:
    PyMem_Free(columns);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- checking */

/* 1: the value is valid; 0: it is not (the general path's business); -1: a validate call raised. */
static int valid(const Check *check, PyObject *value, const char *bytes, Py_ssize_t n) {
    switch (check->kind) {
    case CHECK_FIXED:
        return n == check->fixed || (n == 0 && check->allows_empty);
    case CHECK_UTF8: {
        PyObject *text = PyUnicode_DecodeUTF8(bytes, n, NULL);
        if (text == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return -1;
            PyErr_Clear();
            return 0;
        }
        Py_DECREF(text);
        return 1;
    }
    case CHECK_ASCII:
        for (Py_ssize_t i = 0; i < n; i++)
            if ((unsigned char)bytes[i] >= 0x80) return 0;
        return 1;
    default: {
        PyObject *owned = NULL;
        if (value == NULL) {
            value = owned = PyBytes_FromStringAndSize(bytes, n);
            if (value == NULL) return -1;
        }
        PyObject *result = PyObject_CallOneArg(check->validate, value);
        Py_XDECREF(owned);
        if (result == NULL) return -1;
        Py_DECREF(result);
        return 1;
    }
    }
}

/* The child's bytes value at check->index, checked; NULL with no error set when it needs the general
 * path (missing, not bytes, invalid), NULL with an error set when a validate call raised. Borrowed. */
static PyObject *key_value(PyObject *values, const Check *check) {
    if (check->index < 0 || check->index >= PySequence_Fast_GET_SIZE(values)) return NULL;
    PyObject *raw = PySequence_Fast_GET_ITEM(values, check->index);
    if (!PyBytes_CheckExact(raw)) return NULL;
    int ok = valid(check, raw, PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw));
    return ok == 1 ? raw : NULL;
}

/* --------------------------------------------------------------------------------------------- rows */

typedef struct {
    Py_ssize_t row_base, cell_overhead, deletion_size;
} Sizes;

/* A list column's cells (plain_list_column): its deletion at timestamp - 1, one cell per element (their
 * number in *elements). 1 when written, 0 when the list bytes need the general path (nothing written),
 * -1 on an error. */
static int put_list(Buffer *row, const Column *column, PyObject *raw, int64_t timestamp, int32_t now,
                    PyObject *prefix, PyObject *sequence, const Sizes *sizes, Py_ssize_t *size,
                    int32_t *elements) {
    const char *data = PyBytes_AS_STRING(raw);
    const Py_ssize_t end = PyBytes_GET_SIZE(raw);
    /* collections.read_elements: [int] count, then count [int]-sized elements, nothing after them */
    if (end < 4) return 0;
    const unsigned char *u = (const unsigned char *)data;
    int32_t count = (int32_t)(((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3]);
    if (count < 0) return 0;
    Py_ssize_t offset = 4, total = 0;
    for (int32_t i = 0; i < count; i++) {
        if (end - offset < 4) return 0;
        const unsigned char *p = u + offset;
        int32_t length = (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
        offset += 4;
        if (length < 0 || end - offset < length) return 0;
        int ok = valid(&column->element, NULL, data + offset, length);
        if (ok != 1) return ok;
        offset += length;
        total += length;
    }
    if (offset != end) return 0;

    if (put(row, PyBytes_AS_STRING(column->name), PyBytes_GET_SIZE(column->name)) < 0) return -1;
    if (put_byte(row, KIND_COMPLEX) < 0 || put_be64(row, (uint64_t)(timestamp - 1)) < 0 ||
        put_be32(row, (uint32_t)now) < 0 || put_vint(row, (uint64_t)count) < 0)
        return -1;
    offset = 4;
    for (int32_t i = 0; i < count; i++) {
        const unsigned char *p = u + offset;
        int32_t length = (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
        offset += 4;
        PyObject *number = PyIter_Next(sequence);
        if (number == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "the list path sequence ended");
            return -1;
        }
        unsigned long long n = PyLong_AsUnsignedLongLong(number);
        Py_DECREF(number);
        if (n == (unsigned long long)-1 && PyErr_Occurred()) return -1;
        if (put_vint(row, PATH_LENGTH) < 0 || put(row, PyBytes_AS_STRING(prefix), 8) < 0 ||
            put_be64(row, (uint64_t)n) < 0)
            return -1;
        if (put_byte(row, 0) < 0 || put_be64(row, (uint64_t)timestamp) < 0) return -1; /* cell flags, ts */
        if (put_sized(row, data + offset, length) < 0) return -1;
        offset += length;
    }
    *size += sizes->deletion_size + (Py_ssize_t)count * (sizes->cell_overhead + PATH_LENGTH) + total;
    *elements = count;
    return 1;
}

static PyObject *build(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "build(children, plan, marker, timestamp, now, prefix, sequence, unset)");
        return NULL;
    }
    PyObject *children = args[0], *plan = args[1], *marker = args[2], *prefix = args[5], *sequence = args[6];
    PyObject *unset = args[7];
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) != 4 || !PyBytes_Check(prefix) ||
        PyBytes_GET_SIZE(prefix) != 8 || !PyIter_Check(sequence)) {
        PyErr_SetString(PyExc_TypeError, "plan is (keys, clustering, columns, sizes); prefix 8 bytes");
        return NULL;
    }
    int64_t timestamp = PyLong_AsLongLong(args[3]);
    long now_long = PyLong_AsLong(args[4]);
    int64_t marker_timestamp = marker == Py_None ? 0 : PyLong_AsLongLong(marker);
    Sizes sizes;
    PyObject *size_spec = PyTuple_GET_ITEM(plan, 3);
    if (!PyTuple_Check(size_spec) || PyTuple_GET_SIZE(size_spec) != 3) {
        PyErr_SetString(PyExc_TypeError, "sizes is (row base, cell overhead, deletion size)");
        return NULL;
    }
    sizes.row_base = PyLong_AsSsize_t(PyTuple_GET_ITEM(size_spec, 0));
    sizes.cell_overhead = PyLong_AsSsize_t(PyTuple_GET_ITEM(size_spec, 1));
    sizes.deletion_size = PyLong_AsSsize_t(PyTuple_GET_ITEM(size_spec, 2));
    if (PyErr_Occurred()) return NULL;
    int32_t now = (int32_t)now_long;

    Py_ssize_t key_count = 0, clustering_count = 0, column_count = 0;
    Check *keys = NULL, *clusterings = NULL;
    Column *columns = NULL;
    PyObject *sequence_of_children = NULL, *out = NULL, *result = NULL;
    Buffer row = {NULL, 0, 0}, key = {NULL, 0, 0}, column_bytes = {NULL, 0, 0};
    Buffer *cells = &column_bytes;

    keys = read_checks(PyTuple_GET_ITEM(plan, 0), &key_count);
    if (keys == NULL) goto done;
    clusterings = read_checks(PyTuple_GET_ITEM(plan, 1), &clustering_count);
    if (clusterings == NULL) goto done;
    columns = read_columns(PyTuple_GET_ITEM(plan, 2), &column_count);
    if (columns == NULL) goto done;
    if (key_count < 1) {
        PyErr_SetString(PyExc_ValueError, "a table has at least one partition key column");
        goto done;
    }
    sequence_of_children = PySequence_Fast(children, "children must be a sequence");
    if (sequence_of_children == NULL) goto done;
    out = PyList_New(0);
    if (out == NULL) goto done;

    const Py_ssize_t child_count = PySequence_Fast_GET_SIZE(sequence_of_children);
    PyObject **items = PySequence_Fast_ITEMS(sequence_of_children);
    for (Py_ssize_t c = 0; c < child_count; c++) {
        PyObject *values = items[c];
        if (!PyTuple_Check(values) && !PyList_Check(values)) goto not_plain;

        /* the partition key: one column's bytes, or composite_key's (2-byte length, bytes, 0 each) */
        PyObject *key_bytes;
        if (key_count == 1) {
            PyObject *raw = key_value(values, &keys[0]);
            if (raw == NULL) goto check_failed;
            if (PyBytes_GET_SIZE(raw) == 0 || PyBytes_GET_SIZE(raw) > MAX_KEY_LENGTH) goto not_plain;
            key_bytes = Py_NewRef(raw);
        } else {
            key.length = 0;
            for (Py_ssize_t k = 0; k < key_count; k++) {
                PyObject *raw = key_value(values, &keys[k]);
                if (raw == NULL) goto check_failed;
                Py_ssize_t n = PyBytes_GET_SIZE(raw);
                if (n > 0xFFFF) goto not_plain;
                unsigned char head[2] = {(unsigned char)(n >> 8), (unsigned char)n};
                if (put(&key, head, 2) < 0 || put(&key, PyBytes_AS_STRING(raw), n) < 0 || put_byte(&key, 0) < 0)
                    goto done;
            }
            if (key.length > MAX_KEY_LENGTH) goto not_plain;
            key_bytes = PyBytes_FromStringAndSize(key.data, key.length);
            if (key_bytes == NULL) goto done;
        }

        /* the clustering, then the row: plain_row's bytes */
        PyObject *clustering = PyTuple_New(clustering_count);
        if (clustering == NULL) {
            Py_DECREF(key_bytes);
            goto done;
        }
        Py_ssize_t size = sizes.row_base;
        row.length = 0;
        int failed = put_vint(&row, (uint64_t)clustering_count) < 0;
        for (Py_ssize_t k = 0; k < clustering_count && !failed; k++) {
            PyObject *raw = key_value(values, &clusterings[k]);
            if (raw == NULL) {
                Py_DECREF(clustering);
                Py_DECREF(key_bytes);
                goto check_failed;
            }
            PyTuple_SET_ITEM(clustering, k, Py_NewRef(raw));
            size += PyBytes_GET_SIZE(raw);
            failed = put_sized(&row, PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw)) < 0;
        }
        if (!failed) {
            if (marker != Py_None)
                failed = put_byte(&row, ROW_LIVENESS) < 0 || put_be64(&row, (uint64_t)marker_timestamp) < 0 ||
                         put_byte(&row, 0) < 0 || put_be32(&row, NO_DELETION_TIME) < 0;
            else
                failed = put_byte(&row, 0) < 0;
        }
        if (failed) {
            Py_DECREF(clustering);
            Py_DECREF(key_bytes);
            goto done;
        }
        /* the columns go after their count, which is known once they are written: written apart first */
        cells->length = 0;
        Py_ssize_t written = 0;
        int timed = marker != Py_None;
        int outcome = 1;
        for (Py_ssize_t i = 0; i < column_count && outcome == 1; i++) {
            const Column *column = &columns[i];
            if (column->check.index < 0 || column->check.index >= PySequence_Fast_GET_SIZE(values)) {
                outcome = 0;
                break;
            }
            PyObject *raw = PySequence_Fast_GET_ITEM(values, column->check.index);
            if (PyBytes_CheckExact(raw)) {
                if (column->is_list) {
                    int32_t elements = 0;
                    outcome = put_list(cells, column, raw, timestamp, now, prefix, sequence, &sizes, &size,
                                       &elements);
                    if (outcome == 1 && elements > 0) timed = 1; /* an empty list holds no live cell */
                } else {
                    Py_ssize_t n = PyBytes_GET_SIZE(raw);
                    outcome = valid(&column->check, raw, PyBytes_AS_STRING(raw), n);
                    if (outcome == 1) {
                        if (put(cells, PyBytes_AS_STRING(column->name), PyBytes_GET_SIZE(column->name)) < 0 ||
                            put_byte(cells, KIND_CELL) < 0 || put_byte(cells, 0) < 0 ||
                            put_be64(cells, (uint64_t)timestamp) < 0 || put_sized(cells, PyBytes_AS_STRING(raw), n) < 0)
                            outcome = -1;
                        size += sizes.cell_overhead + n;
                        timed = 1;
                    }
                }
            } else if (raw == Py_None) {
                if (put(cells, PyBytes_AS_STRING(column->name), PyBytes_GET_SIZE(column->name)) < 0) {
                    outcome = -1;
                } else if (column->is_list) { /* the list's deletion alone */
                    if (put_byte(cells, KIND_COMPLEX) < 0 || put_be64(cells, (uint64_t)(timestamp - 1)) < 0 ||
                        put_be32(cells, (uint32_t)now) < 0 || put_vint(cells, 0) < 0)
                        outcome = -1;
                    size += sizes.deletion_size;
                } else { /* a tombstone */
                    if (put_byte(cells, KIND_CELL) < 0 || put_byte(cells, CELL_TOMBSTONE) < 0 ||
                        put_be64(cells, (uint64_t)timestamp) < 0 || put_be32(cells, (uint32_t)now) < 0)
                        outcome = -1;
                    size += sizes.cell_overhead;
                    timed = 1;
                }
            } else if (raw == unset) { /* writes nothing */
                continue;
            } else { /* anything else (a bytes subclass, ...): not what the protocol gives */
                outcome = 0;
            }
            if (outcome == 1) written++;
        }
        if (outcome != 1) {
            Py_DECREF(clustering);
            Py_DECREF(key_bytes);
            if (outcome < 0) goto done;
            goto not_plain;
        }
        if (written == 0 && marker == Py_None) { /* an UPDATE setting only unset values writes nothing */
            Py_DECREF(clustering);
            Py_DECREF(key_bytes);
            continue;
        }
        if (put_vint(&row, (uint64_t)written) < 0 || put(&row, cells->data, cells->length) < 0) {
            Py_DECREF(clustering);
            Py_DECREF(key_bytes);
            goto done;
        }
        PyObject *entry = Py_BuildValue("(NNy#nO)", key_bytes, clustering, row.data, row.length, size,
                                        timed ? Py_True : Py_False);
        if (entry == NULL) goto done;
        int appended = PyList_Append(out, entry);
        Py_DECREF(entry);
        if (appended < 0) goto done;
    }
    result = Py_NewRef(out);
    goto done;

check_failed:
    if (PyErr_Occurred()) goto done; /* a validate call raised: its exception goes up */
not_plain:
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(out);
    Py_XDECREF(sequence_of_children);
    PyMem_Free(keys);
    PyMem_Free(clusterings);
    PyMem_Free(columns);
    PyMem_Free(row.data);
    PyMem_Free(key.data);
    PyMem_Free(column_bytes.data);
    return result;
}

static PyMethodDef methods[] = {
    {"build", (PyCFunction)(void (*)(void))build, METH_FASTCALL,
     "build(children, plan, marker, timestamp, now, prefix, sequence, unset) -> list | None: the rows of a plain "
     "prepared write, one (key, clustering, row bytes, size, timed) per child writing a row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_plain_rows",
                                    "The rows of a plain prepared write, built in C.", 0, methods};

PyMODINIT_FUNC PyInit__plain_rows(void) { return PyModule_Create(&module); }
