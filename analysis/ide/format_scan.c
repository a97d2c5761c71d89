/* The formatter's scan of one item into units (`_Units` in analysis/ide/format.py), in C.
 *
 * It does what the Python scan does with the patterns `_UNIT` and `_UNIT_AFTER_OPEN`, unit
 * for unit: the same kinds, texts, line breaks, starts, closing units, widths, forms that
 * must break, containers and keywords. It takes the common case only: ASCII text (so that
 * offsets are the same in bytes and characters; the caller checks) without annotations or
 * block comments other than `(;...;)` on one line, and text the Python scan accepts. For
 * anything else it returns None and the Python scan runs, so the two never disagree on what
 * they both take (tests/ide/test_format_scan.py compares them). The word lists come from
 * format.py (`configure`): one copy of each rule.
 *
 * Two more loops of format.py that did Python work per line or per edit: `reindent`
 * (`_Layout.lines_unit`) and `blank_edits` (`minimal_edits`' walk of the old and new text).
 *
 * Built by setup.py into wat_lsp.analysis.ide._format_scan, stable ABI like the grammar. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* Unit kinds: format.py's LEAF, OPEN, CLOSE, LINES, RUN, LCOMMENT, BCOMMENT. */
enum { LEAF = 1, OPEN = 2, CLOSE = 3, LINES = 4, RUN = 5, LCOMMENT = 6, BCOMMENT = 7 };

typedef struct {
    char **words;
    Py_ssize_t *lens;
    Py_ssize_t count;
} WordList;

/* `_IMMEDIATE`'s reserved words, in the pattern's order (longest first): the first that
 * starts the text wins. */
static WordList immediate_words;
/* Words that never start a plain line (`_NOT_INSTR_WORDS`). */
static WordList head_reserved;
/* The block words a plain line may start with (`_BLOCK_WORD`). */
static WordList block_words;
/* Keywords of forms that may break although they fit (`_MAY_BREAK`). */
static WordList may_break;
static int configured = 0;

static void free_words(WordList *w) {
    for (Py_ssize_t i = 0; i < w->count; i++) free(w->words[i]);
    free(w->words);
    free(w->lens);
    w->words = NULL;
    w->lens = NULL;
    w->count = 0;
}

static int load_words(PyObject *seq, WordList *out) {
    PyObject *fast = PySequence_Tuple(seq);
    if (fast == NULL) return -1;
    Py_ssize_t n = PyTuple_Size(fast);
    free_words(out);
    out->words = calloc(n ? n : 1, sizeof(char *));
    out->lens = calloc(n ? n : 1, sizeof(Py_ssize_t));
    if (out->words == NULL || out->lens == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PyTuple_GetItem(fast, i), &len);
        if (s == NULL) {
            Py_DECREF(fast);
            return -1;
        }
        out->words[i] = malloc(len + 1);
        if (out->words[i] == NULL) {
            Py_DECREF(fast);
            PyErr_NoMemory();
            return -1;
        }
        memcpy(out->words[i], s, len + 1);
        out->lens[i] = len;
        out->count = i + 1;
    }
    Py_DECREF(fast);
    return 0;
}

static int in_words(const WordList *w, const char *s, Py_ssize_t len) {
    for (Py_ssize_t i = 0; i < w->count; i++)
        if (w->lens[i] == len && memcmp(w->words[i], s, len) == 0) return 1;
    return 0;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *imm, *heads, *blocks, *breaks;
    if (!PyArg_ParseTuple(args, "OOOO", &imm, &heads, &blocks, &breaks)) return NULL;
    if (load_words(imm, &immediate_words) < 0 || load_words(heads, &head_reserved) < 0 ||
        load_words(blocks, &block_words) < 0 || load_words(breaks, &may_break) < 0)
        return NULL;
    configured = 1;
    Py_RETURN_NONE;
}

/* Character classes of the patterns. */
static inline int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
/* `[^ \t\r\n()";]`: a character of an atom outside strings. */
static inline int is_nd(char c) {
    return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '"' || c == ';');
}
static inline int is_lower(char c) { return c >= 'a' && c <= 'z'; }
/* `[a-z0-9_]` */
static inline int is_word(char c) { return is_lower(c) || (c >= '0' && c <= '9') || c == '_'; }

/* `_ATOM` at `q`: its end, or `q` when none starts there. */
static Py_ssize_t atom_end(const char *p, Py_ssize_t n, Py_ssize_t q) {
    for (;;) {
        if (q < n && is_nd(p[q])) {
            while (q < n && is_nd(p[q])) q++;
            continue;
        }
        if (q < n && p[q] == '"') {
            Py_ssize_t j = q + 1;
            int closed = 0;
            while (j < n) {
                char c = p[j];
                if (c == '"') {
                    closed = 1;
                    break;
                }
                if (c == '\\') {
                    if (j + 1 < n && p[j + 1] != '\n') {
                        j += 2;
                        continue;
                    }
                    break;
                }
                if (c == '\n') break;
                j++;
            }
            if (!closed) return q;
            q = j + 1;
            continue;
        }
        return q;
    }
}

/* One plain line at `q` (`_PLAIN_LINE` followed by `_LINE_END`): its end, or -1. */
static Py_ssize_t plain_line(const char *p, Py_ssize_t n, Py_ssize_t q) {
    if (q >= n || !is_lower(p[q])) return -1;
    Py_ssize_t run = q + 1;
    while (run < n && is_word(p[run])) run++;
    Py_ssize_t j;
    if (run < n && p[run] == '.') {
        j = run + 1;
        while (j < n && (is_word(p[j]) || p[j] == '.')) j++;
    } else if (in_words(&block_words, p + q, run - q)) {
        j = run;
    } else if (in_words(&head_reserved, p + q, run - q)) {
        return -1;
    } else {
        j = run;
    }
    /* immediates, one space before each */
    while (j + 1 < n && p[j] == ' ') {
        Py_ssize_t a = j + 1;
        char c = p[a];
        Py_ssize_t k = -1;
        if (c == '$' || (c >= '0' && c <= '9') || c == '+' || c == '-') {
            k = a + 1;
        } else if (n - a >= 7 && memcmp(p + a, "offset=", 7) == 0) {
            k = a + 7;
        } else if (n - a >= 6 && memcmp(p + a, "align=", 6) == 0) {
            k = a + 6;
        } else if (n - a >= 4 && (memcmp(p + a, "nan:", 4) == 0 || memcmp(p + a, "inf:", 4) == 0)) {
            k = a + 4;
        } else {
            /* a reserved word: the first of the list that starts here, whatever follows */
            Py_ssize_t found = -1;
            for (Py_ssize_t w = 0; w < immediate_words.count; w++) {
                Py_ssize_t len = immediate_words.lens[w];
                if (n - a >= len && memcmp(p + a, immediate_words.words[w], len) == 0) {
                    found = len;
                    break;
                }
            }
            if (found < 0) break;
            j = a + found;
            continue;
        }
        while (k < n && is_nd(p[k])) k++;
        j = k;
    }
    /* an optional block comment on one line: ` (;...;)` */
    if (j + 2 < n && p[j] == ' ' && p[j + 1] == '(' && p[j + 2] == ';') {
        Py_ssize_t k = j + 3;
        while (k < n && p[k] != '\n' && p[k] != '(' && p[k] != ')' && p[k] != ';') k++;
        if (k + 1 < n && p[k] == ';' && p[k + 1] == ')') j = k + 2;
    }
    Py_ssize_t k = j;
    while (k < n && (p[k] == ' ' || p[k] == '\t')) k++;
    if (k == n || p[k] == '\n' || p[k] == ')') return j;
    return -1;
}

/* `_LINES` at `q`: the end of the last plain line, or -1. */
static Py_ssize_t lines_end(const char *p, Py_ssize_t n, Py_ssize_t q) {
    Py_ssize_t e = plain_line(p, n, q);
    if (e < 0) return -1;
    while (e < n && p[e] == '\n') {
        Py_ssize_t k = e + 1;
        while (k < n && (p[k] == ' ' || p[k] == '\t')) k++;
        Py_ssize_t e2 = plain_line(p, n, k);
        if (e2 < 0) break;
        e = e2;
    }
    return e;
}

/* A growing array of Py_ssize_t. */
typedef struct {
    Py_ssize_t *v;
    Py_ssize_t n, cap;
} Vec;

static int vec_push(Vec *a, Py_ssize_t x) {
    if (a->n == a->cap) {
        Py_ssize_t cap = a->cap ? a->cap * 2 : 64;
        Py_ssize_t *v = realloc(a->v, cap * sizeof(Py_ssize_t));
        if (v == NULL) return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

static int append_steal(PyObject *list, PyObject *item) {
    if (item == NULL) return -1;
    int r = PyList_Append(list, item);
    Py_DECREF(item);
    return r;
}

static int set_item_steal(PyObject *dict, Py_ssize_t key, PyObject *value) {
    PyObject *k = PyLong_FromSsize_t(key);
    if (k == NULL || value == NULL) {
        Py_XDECREF(k);
        Py_XDECREF(value);
        return -1;
    }
    int r = PyDict_SetItem(dict, k, value);
    Py_DECREF(k);
    Py_DECREF(value);
    return r;
}

/* The text of [s, e) with the blanks after each line break dropped (`_INDENTS.sub`). */
static PyObject *lines_text(const char *p, Py_ssize_t s, Py_ssize_t e, char *buf) {
    Py_ssize_t o = 0;
    for (Py_ssize_t i = s; i < e; i++) {
        char c = p[i];
        buf[o++] = c;
        if (c == '\n')
            while (i + 1 < e && (p[i + 1] == ' ' || p[i + 1] == '\t')) i++;
    }
    return PyUnicode_FromStringAndSize(buf, o);
}

/* The atoms of the run [s, e) one space apart; 0 when str.split() would split them
 * otherwise (an ASCII white space character other than blanks inside an atom). */
static Py_ssize_t run_text(const char *p, Py_ssize_t s, Py_ssize_t e, char *buf, int *ok) {
    Py_ssize_t o = 0;
    int quote = 0, odd_space = 0, needs = 0;
    Py_ssize_t i = s;
    while (i < e) {
        Py_ssize_t a = atom_end(p, e, i);
        for (Py_ssize_t k = i; k < a; k++) {
            char c = p[k];
            if (c == '"') quote = 1;
            if (c == '\x0b' || c == '\x0c' || (c >= '\x1c' && c <= '\x1f')) odd_space = 1;
            buf[o++] = c;
        }
        i = a;
        if (i < e) {
            Py_ssize_t b = i;
            while (i < e && (p[i] == ' ' || p[i] == '\t')) i++;
            if (i - b != 1 || p[b] == '\t') needs = 1;
            buf[o++] = ' ';
        }
    }
    /* the Python scan joins `t.split()` when the run holds no string: other white space
     * characters would split there too */
    *ok = !(needs && !quote && odd_space);
    return o;
}

/* scan(text, crlf) -> (kind, text, nl, start, close, width, hard, containers, keywords) or None */
static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *text;
    int crlf;
    if (!PyArg_ParseTuple(args, "Up", &text, &crlf)) return NULL;
    if (!configured) Py_RETURN_NONE;
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(text, &n);
    if (p == NULL) return NULL;

    PyObject *kind = PyList_New(0), *txt = PyList_New(0), *nl = PyList_New(0), *start = PyList_New(0);
    PyObject *close = PyDict_New(), *width = PyDict_New(), *hard = PySet_New(NULL);
    PyObject *containers = PyList_New(0), *keywords = PyDict_New();
    PyObject *result = NULL;
    char *buf = malloc(n + 1);
    Vec stack_idx = {0}, stack_acc = {0};
    unsigned char *is_hard = NULL;
    Py_ssize_t hard_cap = 0;
    int fallback = 0;
    if (!kind || !txt || !nl || !start || !close || !width || !hard || !containers || !keywords || !buf) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }

    Py_ssize_t pos = 0, acc = 0, idx = 0;
    int prev_open = 1;
    for (;;) {
        Py_ssize_t s = pos;
        while (s < n && is_blank(p[s])) s++;
        if (s >= n) break; /* only blanks left (or nothing) */
        char c = p[s];
        Py_ssize_t e;
        int g;
        PyObject *t = NULL;
        if (c == '(') {
            if (s + 1 < n && is_lower(p[s + 1])) {
                /* `_LEAF`: `(` a keyword and atoms, one space apart, `)` */
                Py_ssize_t j = s + 2;
                while (j < n && is_nd(p[j])) j++;
                while (j + 1 < n && p[j] == ' ' && is_nd(p[j + 1])) {
                    j++;
                    while (j < n && is_nd(p[j])) j++;
                }
                if (j < n && p[j] == ')') {
                    g = LEAF;
                    e = j + 1;
                    goto matched;
                }
            }
            if (s + 1 < n && p[s + 1] == ';') {
                Py_ssize_t k = s + 2;
                while (k < n && p[k] != '\n' && p[k] != '(' && p[k] != ')' && p[k] != ';') k++;
                if (k + 1 < n && p[k] == ';' && p[k + 1] == ')') {
                    g = BCOMMENT;
                    e = k + 2;
                    goto matched;
                }
                fallback = 1; /* a nested or multi-line block comment */
                break;
            }
            if (s + 1 < n && p[s + 1] == '@') {
                fallback = 1; /* an annotation */
                break;
            }
            g = OPEN;
            e = s + 1;
            goto matched;
        }
        if (c == ')') {
            g = CLOSE;
            e = s + 1;
            goto matched;
        }
        if (!prev_open) {
            e = lines_end(p, n, s);
            if (e > s) {
                g = LINES;
                goto matched;
            }
        }
        e = atom_end(p, n, s);
        if (e > s) {
            for (;;) {
                Py_ssize_t b = e;
                while (b < n && (p[b] == ' ' || p[b] == '\t')) b++;
                if (b == e) break;
                Py_ssize_t a = atom_end(p, n, b);
                if (a == b) break;
                e = a;
            }
            g = RUN;
            goto matched;
        }
        if (c == ';' && s + 1 < n && p[s + 1] == ';') {
            e = s + 2;
            while (e < n && p[e] != '\n') e++;
            g = LCOMMENT;
            goto matched;
        }
        fallback = 1; /* text the Python scan rejects: it says so */
        break;

    matched:
        switch (g) {
        case LINES:
            t = lines_text(p, s, e, buf);
            if (t == NULL) goto done;
            acc += PyUnicode_GetLength(t) + 1;
            break;
        case RUN: {
            int ok;
            Py_ssize_t len = run_text(p, s, e, buf, &ok);
            if (!ok) {
                fallback = 1;
                break;
            }
            t = PyUnicode_FromStringAndSize(buf, len);
            if (t == NULL) goto done;
            if (prev_open) {
                Py_ssize_t kw_len = 0;
                while (kw_len < len && buf[kw_len] != ' ') kw_len++;
                PyObject *kw = PyUnicode_FromStringAndSize(buf, kw_len);
                if (kw == NULL) {
                    Py_DECREF(t);
                    goto done;
                }
                int mb = in_words(&may_break, buf, kw_len);
                if (set_item_steal(keywords, idx - 1, kw) < 0) {
                    Py_DECREF(t);
                    goto done;
                }
                if (mb && append_steal(containers, PyLong_FromSsize_t(idx - 1)) < 0) {
                    Py_DECREF(t);
                    goto done;
                }
                acc += len;
            } else {
                acc += len + 1;
            }
            prev_open = 0;
            break;
        }
        case LEAF: {
            Py_ssize_t len = e - s;
            t = PyUnicode_FromStringAndSize(p + s, len);
            if (t == NULL) goto done;
            if (set_item_steal(close, idx, PyLong_FromSsize_t(idx)) < 0 ||
                set_item_steal(width, idx, PyLong_FromSsize_t(len)) < 0) {
                Py_DECREF(t);
                goto done;
            }
            acc += prev_open ? len : len + 1;
            Py_ssize_t kw_len = 0;
            while (s + 1 + kw_len < e - 1 && p[s + 1 + kw_len] != ' ') kw_len++;
            PyObject *kw = PyUnicode_FromStringAndSize(p + s + 1, kw_len);
            int mb = in_words(&may_break, p + s + 1, kw_len);
            if (set_item_steal(keywords, idx, kw) < 0 ||
                (mb && append_steal(containers, PyLong_FromSsize_t(idx)) < 0)) {
                Py_DECREF(t);
                goto done;
            }
            prev_open = 0;
            break;
        }
        case OPEN:
            acc += prev_open ? 1 : 2;
            if (vec_push(&stack_idx, idx) < 0 || vec_push(&stack_acc, acc) < 0) {
                PyErr_NoMemory();
                goto done;
            }
            t = PyUnicode_FromStringAndSize("(", 1);
            if (t == NULL) goto done;
            prev_open = 1;
            break;
        case CLOSE: {
            if (stack_idx.n == 0) {
                fallback = 1;
                break;
            }
            Py_ssize_t o = stack_idx.v[--stack_idx.n];
            Py_ssize_t at = stack_acc.v[--stack_acc.n];
            acc += 1;
            if (set_item_steal(close, o, PyLong_FromSsize_t(idx)) < 0 ||
                set_item_steal(width, o, PyLong_FromSsize_t(acc - at + 1)) < 0)
                goto done;
            if (o < hard_cap && is_hard[o] && stack_idx.n) {
                Py_ssize_t up = stack_idx.v[stack_idx.n - 1];
                is_hard[up] = 1; /* (up < o < hard_cap) */
            }
            t = PyUnicode_FromStringAndSize(")", 1);
            if (t == NULL) goto done;
            prev_open = 0;
            break;
        }
        case LCOMMENT: {
            Py_ssize_t end = e;
            if (crlf)
                while (end > s && p[end - 1] == '\r') end--;
            t = PyUnicode_FromStringAndSize(p + s, end - s);
            if (t == NULL) goto done;
            if (stack_idx.n) {
                Py_ssize_t up = stack_idx.v[stack_idx.n - 1];
                if (up >= hard_cap) {
                    Py_ssize_t cap = (up + 1) * 2;
                    unsigned char *h = realloc(is_hard, cap);
                    if (h == NULL) {
                        Py_DECREF(t);
                        PyErr_NoMemory();
                        goto done;
                    }
                    memset(h + hard_cap, 0, cap - hard_cap);
                    is_hard = h;
                    hard_cap = cap;
                }
                is_hard[up] = 1;
            }
            acc += (end - s) + (prev_open ? 0 : 1);
            prev_open = 0;
            break;
        }
        default: /* BCOMMENT on one line */
            t = PyUnicode_FromStringAndSize(p + s, e - s);
            if (t == NULL) goto done;
            acc += (e - s) + (prev_open ? 0 : 1);
            prev_open = 0;
            break;
        }
        if (fallback) break;
        if (append_steal(kind, PyLong_FromLong(g)) < 0) {
            Py_DECREF(t);
            goto done;
        }
        if (append_steal(txt, t) < 0) goto done;
        Py_ssize_t lines = 0;
        if (s != pos) {
            for (Py_ssize_t k = pos; k < s && lines < 2; k++)
                if (p[k] == '\n') lines++;
        }
        if (append_steal(nl, PyLong_FromSsize_t(lines)) < 0 || append_steal(start, PyLong_FromSsize_t(s)) < 0)
            goto done;
        idx++;
        pos = e;
        if (pos >= n) break;
    }
    if (fallback || stack_idx.n) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < hard_cap; i++) {
        if (is_hard[i]) {
            PyObject *k = PyLong_FromSsize_t(i);
            if (k == NULL || PySet_Add(hard, k) < 0) {
                Py_XDECREF(k);
                goto done;
            }
            Py_DECREF(k);
        }
    }
    result = PyTuple_Pack(9, kind, txt, nl, start, close, width, hard, containers, keywords);

done:
    Py_XDECREF(kind);
    Py_XDECREF(txt);
    Py_XDECREF(nl);
    Py_XDECREF(start);
    Py_XDECREF(close);
    Py_XDECREF(width);
    Py_XDECREF(hard);
    Py_XDECREF(containers);
    Py_XDECREF(keywords);
    free(buf);
    free(stack_idx.v);
    free(stack_acc.v);
    free(is_hard);
    return result;
}

/* How a line of plain instructions moves the block depth, by its first word: 1 opens a
 * block, 2 is `else`/`catch`, -1 ends one, 0 none (`_BLOCK_SPLIT` and `_BLOCK_KIND`). */
static int block_kind(const char *line, Py_ssize_t len) {
    Py_ssize_t w = 0;
    while (w < len && line[w] != ' ') w++;
    if (!in_words(&block_words, line, w)) return 0;
    if (line[0] == 'e' && line[1] == 'n') return -1;
    if (line[0] == 'd') return -1;
    if (line[0] == 'e' || line[0] == 'c') return 2;
    return 1;
}

/* reindent(text, lines, blank_lines, base, depth, blank) -> (out, depth, level) or None
 *
 * `_Layout.lines_unit` without the layout: the lines of a LINES unit (one `\n` between
 * them, no indentation) each after the line start of its level, `base` + the block depth
 * (at most len(lines) - 1), the first after a blank line if `blank`. Returns the text, the
 * depth after it and the level of its last line. None for text that is not ASCII. */
static PyObject *reindent(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *text, *lines, *blank_lines;
    Py_ssize_t base, depth;
    int blank;
    if (!PyArg_ParseTuple(args, "UO!O!nnp", &text, &PyList_Type, &lines, &PyList_Type, &blank_lines, &base,
                          &depth, &blank))
        return NULL;
    if (!configured) Py_RETURN_NONE;
    Py_ssize_t n, levels = PyList_Size(lines);
    if (levels < 1 || PyList_Size(blank_lines) != levels) Py_RETURN_NONE;
    const char *p = PyUnicode_AsUTF8AndSize(text, &n);
    if (p == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80) Py_RETURN_NONE;
    Py_ssize_t max_level = levels - 1;
    /* two passes: the length, then the text */
    char *buf = NULL;
    Py_ssize_t size = 0, level = 0, d = depth;
    for (int pass = 0; pass < 2; pass++) {
        Py_ssize_t o = 0;
        d = depth;
        level = base + d > max_level ? max_level : base + d;
        Py_ssize_t at = 0;
        int first = 1;
        while (at <= n) {
            Py_ssize_t end = at;
            while (end < n && p[end] != '\n') end++;
            int how = block_kind(p + at, end - at);
            if (how == 1) {
                level = base + d;
                d++;
            } else if (how != 0) {
                if (d) d--;
                level = base + d;
                if (how == 2) d++;
            } else {
                level = base + d;
            }
            if (level > max_level) level = max_level;
            PyObject *start = PyList_GetItem(first && blank ? blank_lines : lines, level);
            Py_ssize_t slen;
            const char *sp = start ? PyUnicode_AsUTF8AndSize(start, &slen) : NULL;
            if (sp == NULL) {
                free(buf);
                return NULL;
            }
            if (pass) {
                memcpy(buf + o, sp, slen);
                memcpy(buf + o + slen, p + at, end - at);
            }
            o += slen + (end - at);
            first = 0;
            at = end + 1;
        }
        if (!pass) {
            size = o;
            buf = malloc(size ? size : 1);
            if (buf == NULL) return PyErr_NoMemory();
        }
    }
    PyObject *out = PyUnicode_FromStringAndSize(buf, size);
    free(buf);
    if (out == NULL) return NULL;
    return Py_BuildValue("Nnn", out, d, level);
}

static inline int is_blank_byte(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* blank_edits(old, new) -> (edits, rest)
 *
 * `minimal_edits` without the decoding of a difference that is not one of blanks: the
 * (start, end, blanks) of each place where the blanks between two tokens differ, walking both
 * texts in step; `rest` is None, or (start, end in old, start, end in new) of the one edit
 * for the rest when the texts differ otherwise (format.py decodes it). */
static PyObject *blank_edits(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "y*y*", &a, &b)) return NULL;
    const unsigned char *old = a.buf, *new = b.buf;
    Py_ssize_t so = a.len, sn = b.len, i = 0, j = 0;
    PyObject *edits = PyList_New(0), *rest = NULL, *result = NULL;
    if (edits == NULL) goto done;
    for (;;) {
        while (i < so && j < sn && old[i] == new[j]) {
            i++;
            j++;
        }
        if (i >= so && j >= sn) break;
        Py_ssize_t eo = i, en = j;
        while (eo < so && is_blank_byte(old[eo])) eo++;
        while (en < sn && is_blank_byte(new[en])) en++;
        if ((eo == i && en == j) || ((eo >= so) != (en >= sn))) {
            Py_ssize_t tail = 0;
            while (tail < so - i && tail < sn - j && old[so - 1 - tail] == new[sn - 1 - tail]) tail++;
            rest = Py_BuildValue("nnnn", i, so - tail, j, sn - tail);
            if (rest == NULL) goto done;
            break;
        }
        PyObject *edit = Py_BuildValue("nns#", i, eo, (const char *)new + j, en - j);
        if (append_steal(edits, edit) < 0) goto done;
        i = eo;
        j = en;
    }
    if (rest == NULL) {
        rest = Py_None;
        Py_INCREF(rest);
    }
    result = PyTuple_Pack(2, edits, rest);
done:
    Py_XDECREF(edits);
    Py_XDECREF(rest);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Set the word lists (from format.py)."},
    {"scan", scan, METH_VARARGS, "An ASCII item's units, or None where the Python scan must run."},
    {"blank_edits", blank_edits, METH_VARARGS, "`minimal_edits`' walk of two texts that differ in blanks."},
    {"reindent", reindent, METH_VARARGS, "A LINES unit's lines at their levels (`_Layout.lines_unit`)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_format_scan",
    .m_doc = "The formatter's scan of an item into units, in C (analysis/ide/format_scan.c).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__format_scan(void) { return PyModule_Create(&module); }
