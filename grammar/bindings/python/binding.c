/* Exposes the generated tree-sitter-wat language to py-tree-sitter as a capsule.
 * Built by `pip install .` (see pyproject.toml / setup.py) into wat_lsp._grammar. */
#include <Python.h>

typedef struct TSLanguage TSLanguage;

TSLanguage *tree_sitter_wat(void);

static PyObject *language(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyCapsule_New(tree_sitter_wat(), "tree_sitter.Language", NULL);
}

static PyMethodDef methods[] = {
    {"language", language, METH_NOARGS, "Return the tree-sitter-wat language as a capsule."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_grammar",
    .m_doc = "tree-sitter-wat grammar",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__grammar(void) { return PyModule_Create(&module); }
