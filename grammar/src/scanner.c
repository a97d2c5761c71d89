/*
 * External scanner for tree-sitter-wat.
 *
 * Tokens:
 *   block_comment  `(; ... ;)`, nested to any depth.
 *   string         `"..."` with escapes (`\` followed by any character is
 *                  accepted here; the reader checks escapes); no raw newline.
 *   annotation     `(@name ...)` with balanced parentheses; strings, line
 *                  comments and block comments inside are respected (a `)`
 *                  inside them does not close the annotation).
 *   unterminated_block_comment, unterminated_annotation
 *                  an unterminated `(;` or `(@`, up to the end of input;
 *   unterminated_string
 *                  an unterminated `"`, up to the end of the line.
 *                  No grammar rule accepts these three, so the parser wraps
 *                  them in an ERROR node, where the reader finds them.
 *
 * The scanner is stateless and iterative (no recursion on nesting depth).
 */

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <stdint.h>

enum TokenType {
  BLOCK_COMMENT,
  ANNOTATION,
  STRING,
  UNTERMINATED_BLOCK_COMMENT,
  UNTERMINATED_ANNOTATION,
  UNTERMINATED_STRING,
};

void *tree_sitter_wat_external_scanner_create(void) { return NULL; }

void tree_sitter_wat_external_scanner_destroy(void *payload) { (void)payload; }

unsigned tree_sitter_wat_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}

void tree_sitter_wat_external_scanner_deserialize(void *payload, const char *buffer,
                                                   unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static inline void advance(TSLexer *lexer) { lexer->advance(lexer, false); }

static inline bool is_space(int32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* After `(;` has been consumed: consume up to and including the matching `;)`.
 * Returns false at end of input. */
static bool finish_block_comment(TSLexer *lexer) {
  uint32_t depth = 1;
  for (;;) {
    if (lexer->eof(lexer)) return false;
    int32_t c = lexer->lookahead;
    if (c == '(') {
      advance(lexer);
      if (lexer->lookahead == ';') {
        advance(lexer);
        depth++;
      }
    } else if (c == ';') {
      advance(lexer);
      if (lexer->lookahead == ')') {
        advance(lexer);
        if (--depth == 0) return true;
      }
    } else {
      advance(lexer);
    }
  }
}

/* After `(@` has been consumed: consume up to and including the balancing `)`.
 * Returns false at end of input. */
static bool finish_annotation(TSLexer *lexer) {
  uint32_t depth = 1;
  for (;;) {
    if (lexer->eof(lexer)) return false;
    int32_t c = lexer->lookahead;
    switch (c) {
      case '(':
        advance(lexer);
        if (lexer->lookahead == ';') {
          advance(lexer);
          if (!finish_block_comment(lexer)) return false;
        } else {
          depth++;
        }
        break;
      case ')':
        advance(lexer);
        if (--depth == 0) return true;
        break;
      case '"':
        advance(lexer);
        for (;;) {
          if (lexer->eof(lexer)) return false;
          int32_t d = lexer->lookahead;
          advance(lexer);
          if (d == '"') break;
          if (d == '\\') {
            if (lexer->eof(lexer)) return false;
            advance(lexer);
          }
        }
        break;
      case ';':
        advance(lexer);
        if (lexer->lookahead == ';') {
          while (!lexer->eof(lexer) && lexer->lookahead != '\n') advance(lexer);
        }
        break;
      default:
        advance(lexer);
        break;
    }
  }
}

/* After the opening `"`: consume up to and including the closing `"`.
 * Returns false at a newline or end of input (not consumed). */
static bool finish_string(TSLexer *lexer) {
  for (;;) {
    if (lexer->eof(lexer)) return false;
    int32_t c = lexer->lookahead;
    if (c == '\n') return false;
    advance(lexer);
    if (c == '"') return true;
    if (c == '\\') {
      if (lexer->eof(lexer) || lexer->lookahead == '\n') return false;
      advance(lexer);
    }
  }
}

bool tree_sitter_wat_external_scanner_scan(void *payload, TSLexer *lexer,
                                           const bool *valid_symbols) {
  (void)payload;
  bool want_comment = valid_symbols[BLOCK_COMMENT] || valid_symbols[ANNOTATION];
  bool want_string = valid_symbols[STRING];
  if (!want_comment && !want_string) return false;

  while (is_space(lexer->lookahead)) lexer->advance(lexer, true);

  if (lexer->lookahead == '"') {
    if (!want_string) return false;
    advance(lexer);
    bool ok = finish_string(lexer);
    lexer->mark_end(lexer);
    lexer->result_symbol = ok ? STRING : UNTERMINATED_STRING;
    return true;
  }

  if (lexer->lookahead != '(' || !want_comment) return false;
  advance(lexer);

  if (lexer->lookahead == ';') {
    advance(lexer);
    bool ok = finish_block_comment(lexer);
    lexer->mark_end(lexer);
    lexer->result_symbol = ok ? BLOCK_COMMENT : UNTERMINATED_BLOCK_COMMENT;
    return true;
  }
  if (lexer->lookahead == '@') {
    advance(lexer);
    bool ok = finish_annotation(lexer);
    lexer->mark_end(lexer);
    lexer->result_symbol = ok ? ANNOTATION : UNTERMINATED_ANNOTATION;
    return true;
  }
  return false;
}
