/*
 * Cassandra's Murmur3Partitioner token in C: engine.dht._murmur3.token(key) -> int.
 *
 * MurmurHash3 x64 128 (seed 0) exactly as Cassandra's MurmurHash.hash3_x64_128 computes it, keeping the
 * first 64-bit half as a signed long: full 16-byte blocks are read as unsigned little-endian words, but
 * the tail bytes are *sign-extended* (Java's `(long) key.get(i)` of a signed byte), so a tail byte >= 0x80
 * sets every bit above it. Then Murmur3Partitioner's rules: the empty key is Long.MIN_VALUE, and a hash
 * equal to Long.MIN_VALUE is normalized to Long.MAX_VALUE.
 *
 * engine/dht/murmur3_partitioner.py documents the algorithm and holds the pure-Python path (mmh3 plus
 * a correction for the quirk), which is used when this extension is not built; the tests check both
 * against Cassandra's vectors and against each other. This module exists for speed only: one C call per
 * token, as fast as the drivers' own murmur3 (docs/benchmarks.md, "Murmur3 tokens").
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define C1 0x87c37b91114253d5ULL
#define C2 0x4cf5ad432745937fULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t read_le64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The sign-extended value of a byte, as Java's (long) cast of a signed byte. */
static inline uint64_t signed_byte(unsigned char b) { return (uint64_t)(int64_t)(signed char)b; }

static int64_t cassandra_token(const unsigned char *data, Py_ssize_t len) {
    if (len == 0) return INT64_MIN;
    const Py_ssize_t nblocks = len / 16;
    uint64_t h1 = 0, h2 = 0;
    for (Py_ssize_t i = 0; i < nblocks; i++) {
        uint64_t k1 = read_le64(data + i * 16);
        uint64_t k2 = read_le64(data + i * 16 + 8);
        k1 *= C1; k1 = rotl64(k1, 31); k1 *= C2; h1 ^= k1;
        h1 = rotl64(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
        k2 *= C2; k2 = rotl64(k2, 33); k2 *= C1; h2 ^= k2;
        h2 = rotl64(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char *tail = data + nblocks * 16;
    const int rest = (int)(len & 15);
    uint64_t k1 = 0, k2 = 0;
    /* XOR, not OR: a sign-extended byte's high bits combine with the bytes above it as Cassandra's do. */
    for (int i = rest - 1; i >= 8; i--) k2 ^= signed_byte(tail[i]) << ((i - 8) * 8);
    for (int i = (rest < 8 ? rest : 8) - 1; i >= 0; i--) k1 ^= signed_byte(tail[i]) << (i * 8);
    if (rest > 8) { k2 *= C2; k2 = rotl64(k2, 33); k2 *= C1; h2 ^= k2; }
    if (rest > 0) { k1 *= C1; k1 = rotl64(k1, 31); k1 *= C2; h1 ^= k1; }
    h1 ^= (uint64_t)len;
    h2 ^= (uint64_t)len;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    int64_t token = (int64_t)h1;
    return token == INT64_MIN ? INT64_MAX : token;
}

static PyObject *token(PyObject *module, PyObject *key) {
    (void)module;
    if (PyBytes_CheckExact(key)) {
        return PyLong_FromLongLong(
            cassandra_token((const unsigned char *)PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key)));
    }
    Py_buffer view;
    if (PyObject_GetBuffer(key, &view, PyBUF_SIMPLE) < 0) return NULL;
    int64_t result = cassandra_token((const unsigned char *)view.buf, view.len);
    PyBuffer_Release(&view);
    return PyLong_FromLongLong(result);
}

static PyMethodDef methods[] = {
    {"token", token, METH_O,
     "token(key) -> int: the Murmur3Partitioner token of serialized partition key bytes, as Cassandra "
     "computes it (signed tail bytes; empty key is the minimum token)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_murmur3",
                                    "Cassandra's Murmur3Partitioner token, in C.", 0, methods};

PyMODINIT_FUNC PyInit__murmur3(void) { return PyModule_Create(&module); }
