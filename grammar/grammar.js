/**
 * @file WebAssembly text format (.wat) and spec scripts (.wast) for tree-sitter
 * @author wat-lsp contributors
 * @license Apache-2.0
 *
 * The grammar is structural: module fields, types, plain and folded
 * instructions with explicit block structure, and tokens.  It does NOT list
 * opcodes: a plain instruction is a generic `instr_name` token followed by
 * immediates; the opcode table in analysis/ gives them meaning.
 *
 * Node types and fields are documented in README.md (the reader in
 * analysis/ is written against that document).
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Characters allowed in identifiers and keywords (spec: idchar).
const IDCHARS = "0-9A-Za-z!#$%&'*+\\-./:<=>?@\\\\^_`|~";
const DEC = /[0-9](_?[0-9])*/;
const HEX = /[0-9A-Fa-f](_?[0-9A-Fa-f])*/;

const NUM_TYPES = ['i32', 'i64', 'f32', 'f64', 'v128'];
const PACKED_TYPES = ['i8', 'i16'];
const ABS_HEAP_TYPES = [
  'func', 'extern', 'any', 'eq', 'i31', 'struct', 'array', 'none', 'nofunc',
  'noextern', 'exn', 'noexn', 'cont', 'nocont',
];
const REF_ABBREVS = [
  'funcref', 'externref', 'anyref', 'eqref', 'i31ref', 'structref', 'arrayref',
  'nullref', 'nullfuncref', 'nullexternref', 'exnref', 'nullexnref', 'contref',
  'nullcontref',
];
const SIMD_SHAPES = ['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2'];
const ASSERTIONS = [
  'assert_return', 'assert_trap', 'assert_exhaustion', 'assert_exception',
  'assert_suspension', 'assert_malformed', 'assert_invalid', 'assert_unlinkable',
  'assert_malformed_custom', 'assert_invalid_custom',
  // old spellings, still found in older .wast files
  'assert_return_canonical_nan', 'assert_return_arithmetic_nan',
];

// Structural keywords: never lexed as `instr_name`.  (`switch` is missing on
// purpose: it is both an instruction and a keyword in `(on $tag switch)`.)
const RESERVED = [
  'module', 'definition', 'instance', 'binary', 'quote',
  'type', 'rec', 'sub', 'final', 'func', 'struct', 'array', 'cont', 'field',
  'mut', 'ref', 'null', 'exact', 'describes', 'descriptor',
  'param', 'result', 'local', 'import', 'export', 'table', 'memory', 'global',
  'tag', 'elem', 'data', 'start', 'offset', 'item', 'declare', 'pagesize',
  'shared',
  'block', 'loop', 'if', 'then', 'else', 'end', 'try_table', 'try', 'do',
  'catch', 'catch_ref', 'catch_all', 'catch_all_ref', 'delegate', 'on',
  'register', 'invoke', 'get', 'either', 'thread', 'wait',
  ...ASSERTIONS,
  ...NUM_TYPES, ...PACKED_TYPES, ...ABS_HEAP_TYPES, ...REF_ABBREVS, ...SIMD_SHAPES,
];

const paren = (...rules) => seq('(', ...rules, ')');

export default grammar({
  name: 'wat',

  word: $ => $.instr_name,

  reserved: {
    global: _ => RESERVED,
  },

  extras: $ => [/\s/, $.comment, $.block_comment, $.annotation],

  externals: $ => [
    $.block_comment,
    $.annotation,
    $.string,
    // Produced for an unterminated `(;` / `(@` (up to end of input) or `"`
    // (up to end of line).  No rule accepts them, so they always end up
    // inside an ERROR node, where the reader finds them.
    $.unterminated_block_comment,
    $.unterminated_annotation,
    $.unterminated_string,
  ],

  inline: $ => [
    $._index,
    $._valtype,
    $._instr,
    $._folded,
    $._immediate,
    $._module_field,
    $._storage_type,
    $._comp_type,
  ],

  conflicts: $ => [
    // After an instruction name and its immediates, `(` may start one more
    // immediate (`(type $t)`, `(param ..)`, `(result ..)`, `(ref ..)`,
    // `(on ..)`) or the next, folded, instruction: decided by the keyword
    // after `(`.
    [$.plain_instr],
  ],

  rules: {
    source_file: $ => repeat(choice(
      $.module,
      $.module_binary,
      $.module_quote,
      $.module_instance,
      $._module_field,
      $._command,
    )),

    // ------------------------------------------------------------------
    // Tokens

    comment: _ => token(seq(';;', /[^\n]*/)),

    identifier: _ => token(seq('$', choice(
      new RegExp(`[${IDCHARS}]+`),
      seq('"', repeat(choice(/[^"\\\n]+/, /\\[^\n]/)), '"'),
    ))),

    integer: _ => token(seq(
      optional(/[+-]/),
      choice(DEC, seq('0x', HEX)),
    )),

    float: _ => token(prec(1, seq(
      optional(/[+-]/),
      choice(
        seq(DEC, '.', optional(DEC), optional(seq(/[eE]/, optional(/[+-]/), DEC))),
        seq(DEC, /[eE]/, optional(/[+-]/), DEC),
        seq('0x', HEX, '.', optional(HEX), optional(seq(/[pP]/, optional(/[+-]/), DEC))),
        seq('0x', HEX, /[pP]/, optional(/[+-]/), DEC),
        'inf',
        'nan',
        seq('nan:0x', HEX),
        'nan:canonical',
        'nan:arithmetic',
      ),
    ))),

    mem_offset: _ => token(prec(1, seq('offset=', choice(DEC, seq('0x', HEX))))),
    mem_align: _ => token(prec(1, seq('align=', choice(DEC, seq('0x', HEX))))),

    instr_name: _ => new RegExp(`[a-z][${IDCHARS}]*`),

    // num_type, packed_type, abs_heap_type and simd_shape are keyword tokens
    // aliased at their use sites (see the helpers at the end of this file):
    // leaves whose text is the keyword.

    _index: $ => choice($.identifier, $.integer),

    // ------------------------------------------------------------------
    // Types

    _valtype: $ => choice(numType($), $.ref_type),

    ref_type: $ => choice(
      paren('ref', optional('null'), field('heap', choice(
        absHeapType($), $.identifier, $.integer, $.exact_heap_type, $.shared_heap_type,
      ))),
      ...REF_ABBREVS,
    ),

    // custom-descriptors proposal: (ref null? (exact $t))
    exact_heap_type: $ => paren('exact', $._index),

    // shared-everything-threads proposal: (ref null? (shared any))
    shared_heap_type: $ => paren('shared', absHeapType($)),

    _storage_type: $ => choice(numType($), packedType($), $.ref_type),

    // Always present for a field's type; has the `mut` keyword as a child
    // when the field is mutable.
    field_type: $ => choice(
      $._storage_type,
      paren('mut', $._storage_type),
    ),

    mut_type: $ => paren('mut', $._valtype),

    // shared-everything-threads proposal: (shared mut? valtype)
    shared_global_type: $ => paren('shared', optional('mut'), $._valtype),

    param: $ => paren('param', choice(
      seq(field('name', $.identifier), $._valtype),
      repeat($._valtype),
    )),

    result: $ => paren('result', repeat($._valtype)),

    local: $ => paren('local', choice(
      seq(field('name', $.identifier), $._valtype),
      repeat($._valtype),
    )),

    type_use: $ => paren('type', $._index),

    func_type: $ => paren('func', repeat($.param), repeat($.result)),

    struct_type: $ => paren('struct', repeat($.field_decl)),

    field_decl: $ => paren('field', choice(
      seq(field('name', $.identifier), $.field_type),
      repeat($.field_type),
    )),

    array_type: $ => paren('array', $.field_type),

    cont_type: $ => paren('cont', $._index),

    _comp_type: $ => choice(
      $.func_type, $.struct_type, $.array_type, $.cont_type, $.shared_comp_type,
    ),

    // shared-everything-threads proposal: (shared comptype)
    shared_comp_type: $ => paren(
      'shared',
      choice($.func_type, $.struct_type, $.array_type, $.cont_type),
    ),

    describes_clause: $ => paren('describes', $._index),
    descriptor_clause: $ => paren('descriptor', $._index),

    sub_type: $ => paren(
      'sub',
      optional('final'),
      repeat($._index),
      optional($.describes_clause),
      optional($.descriptor_clause),
      $._comp_type,
    ),

    type_field: $ => paren(
      'type',
      optional(field('name', $.identifier)),
      choice(
        $.sub_type,
        seq(optional($.describes_clause), optional($.descriptor_clause), $._comp_type),
      ),
    ),

    rec_type: $ => paren('rec', repeat($.type_field)),

    limits: $ => seq($.integer, optional($.integer)),

    page_size: $ => paren('pagesize', $.integer),

    // custom-descriptors proposal: (func (exact (type $t)))
    exact_type_use: $ => paren('exact', optional($.type_use), repeat($.param), repeat($.result)),

    // ------------------------------------------------------------------
    // Modules

    module: $ => paren(
      'module',
      optional('definition'),
      optional(field('name', $.identifier)),
      repeat($._module_field),
    ),

    module_binary: $ => paren(
      'module',
      optional('definition'),
      optional(field('name', $.identifier)),
      'binary',
      repeat($.string),
    ),

    module_quote: $ => paren(
      'module',
      optional('definition'),
      optional(field('name', $.identifier)),
      'quote',
      repeat($.string),
    ),

    module_instance: $ => paren(
      'module',
      'instance',
      field('name', $.identifier),
      optional(field('module', $.identifier)),
    ),

    _module_field: $ => choice(
      $.type_field,
      $.rec_type,
      $.import,
      $.func,
      $.table,
      $.memory,
      $.global,
      $.tag,
      $.export,
      $.start,
      $.elem,
      $.data,
    ),

    import: $ => paren('import', $.string, choice(
      seq($.string, $.import_desc),
      // compact import section: (import "m" (item "n" desc)*) or
      // (import "m" (item "n")* desc), as printed by wasm-tools; with no item
      // at all, `(import "m")` and `(import "m" desc)` import nothing
      seq(repeat($.import_item), optional($.import_desc)),
    )),

    import_item: $ => paren('item', $.string, optional($.import_desc)),

    import_desc: $ => paren(choice(
      seq(
        field('kind', 'func'),
        optional(field('name', $.identifier)),
        ...typeUse($),
      ),
      seq(
        field('kind', 'table'),
        optional(field('name', $.identifier)),
        optional('shared'),
        optional(numType($)),
        $.limits,
        $.ref_type,
      ),
      seq(
        field('kind', 'memory'),
        optional(field('name', $.identifier)),
        optional(numType($)),
        $.limits,
        optional('shared'),
        optional($.page_size),
      ),
      seq(
        field('kind', 'global'),
        optional(field('name', $.identifier)),
        choice($._valtype, $.mut_type, $.shared_global_type),
      ),
      seq(
        field('kind', 'tag'),
        optional(field('name', $.identifier)),
        ...typeUse($),
      ),
    )),

    export: $ => paren('export', $.string, $.export_desc),

    export_desc: $ => paren(
      field('kind', choice('func', 'table', 'memory', 'global', 'tag')),
      $._index,
    ),

    inline_import: $ => paren('import', $.string, $.string),
    inline_export: $ => paren('export', $.string),

    func: $ => paren(
      'func',
      optional(field('name', $.identifier)),
      repeat($.inline_export),
      optional($.inline_import),
      ...typeUse($),
      repeat($.local),
      repeat($._instr),
    ),

    table: $ => paren(
      'table',
      optional(field('name', $.identifier)),
      repeat($.inline_export),
      choice(
        seq(
          optional($.inline_import),
          optional('shared'),
          optional(numType($)),
          $.limits,
          $.ref_type,
          repeat($._instr),
        ),
        seq(optional(numType($)), $.ref_type, $.inline_elem),
      ),
    ),

    inline_elem: $ => paren('elem', repeat(choice($._index, $.elem_item))),

    memory: $ => paren(
      'memory',
      optional(field('name', $.identifier)),
      repeat($.inline_export),
      choice(
        seq(
          optional($.inline_import),
          optional(numType($)),
          $.limits,
          optional('shared'),
          optional($.page_size),
        ),
        seq(optional(numType($)), optional($.page_size), $.inline_data),
      ),
    ),

    inline_data: $ => paren('data', repeat($._data_item)),

    // Strings, or numbers written as little-endian bytes (the numeric-values proposal:
    // `(i8 1 2) (f32 1.5) (v128 i32x4 1 2 3 4)`).
    _data_item: $ => choice($.string, $.data_value),
    data_value: $ => paren(
      choice(numType($), packedType($)),
      repeat(choice($.integer, $.float, simdShape($))),
    ),

    global: $ => paren(
      'global',
      optional(field('name', $.identifier)),
      repeat($.inline_export),
      optional($.inline_import),
      choice($._valtype, $.mut_type, $.shared_global_type),
      repeat($._instr),
    ),

    tag: $ => paren(
      'tag',
      optional(field('name', $.identifier)),
      repeat($.inline_export),
      optional($.inline_import),
      ...typeUse($),
    ),

    start: $ => paren('start', $._index),

    elem: $ => paren(
      'elem',
      optional(field('name', $.identifier)),
      choice(
        // active; after a table use the list says its type (`func` or a reference
        // type); a bare integer before the offset is the MVP table index
        seq($.table_use, alias($.elem_offset, $.offset_expr), $.elem_list),
        seq(
          optional($.integer),
          alias($.elem_offset, $.offset_expr),
          optional(choice($.elem_list, alias(repeat1($._index), $.elem_list))),
        ),
        seq(optional('declare'), $.elem_list),
      ),
    ),

    table_use: $ => paren('table', $._index),

    offset_expr: $ => choice(
      paren('offset', repeat($._instr)),
      $._folded,
    ),

    // wasm-tools reads an elem segment's `(instr)` abbreviations (offset and items) as one
    // folded instruction whose operands are folded too, unlike data offsets and bodies.
    elem_offset: $ => choice(
      paren('offset', repeat($._instr)),
      alias($.folded_single, $.folded_instr),
    ),

    folded_single: $ => paren(
      field('op', $.instr_name),
      repeat($._immediate),
      repeat(alias($.folded_single, $.folded_instr)),
    ),

    elem_list: $ => choice(
      seq($.ref_type, repeat($.elem_item)),
      seq('func', repeat($._index)),
    ),

    elem_item: $ => choice(
      paren('item', repeat($._instr)),
      alias($.folded_single, $.folded_instr),
    ),

    data: $ => paren(
      'data',
      optional(field('name', $.identifier)),
      optional(seq(optional(choice($.memory_use, $.integer)), $.offset_expr)),
      repeat($._data_item),
    ),

    memory_use: $ => paren('memory', $._index),

    // ------------------------------------------------------------------
    // Instructions

    _instr: $ => choice(
      $.plain_instr,
      $.block_instr,
      $.if_instr,
      $.try_table_instr,
      $.try_instr,
      $._folded,
    ),

    _folded: $ => choice(
      $.folded_instr,
      $.folded_block,
      $.folded_if,
      $.folded_try_table,
      $.folded_try,
    ),

    _immediate: $ => choice(
      $.integer,
      $.float,
      $.identifier,
      $.mem_offset,
      $.mem_align,
      simdShape($),
      absHeapType($),
      numType($), // Binaryen's (pop i32)
      $.ref_type,
      $.exact_heap_type,
      $.shared_heap_type,
      $.type_use,
      $.param,
      $.result,
      $.on_clause,
    ),

    plain_instr: $ => seq(field('op', $.instr_name), repeat($._immediate)),

    // stack switching: (on $tag $label) / (on $tag switch)
    on_clause: $ => paren('on', $._index, choice($._index, 'switch')),

    block_instr: $ => seq(
      field('kind', choice('block', 'loop')),
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($._instr),
      'end',
      optional(field('end_label', $.identifier)),
    ),

    if_instr: $ => seq(
      'if',
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($._instr),
      optional(seq(
        'else',
        optional(field('else_label', $.identifier)),
        repeat($._instr),
      )),
      'end',
      optional(field('end_label', $.identifier)),
    ),

    try_table_instr: $ => seq(
      'try_table',
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($.catch_clause),
      repeat($._instr),
      'end',
      optional(field('end_label', $.identifier)),
    ),

    // legacy exception handling
    try_instr: $ => seq(
      'try',
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($._instr),
      repeat(choice(
        seq('catch', $._index, repeat($._instr)),
        seq('catch_all', repeat($._instr)),
      )),
      choice(
        seq('end', optional(field('end_label', $.identifier))),
        seq('delegate', field('target', $._index)),
      ),
    ),

    catch_clause: $ => paren(choice(
      seq(field('kind', choice('catch', 'catch_ref')), $._index, $._index),
      seq(field('kind', choice('catch_all', 'catch_all_ref')), $._index),
    )),

    // The operands are any instruction sequence, plain ones included:
    // `(select unreachable unreachable (i32.const 0))`, as wasm-tools reads it
    // (only `(if ..)` insists on folded conditions).
    folded_instr: $ => paren(
      field('op', $.instr_name),
      repeat($._immediate),
      repeat($._instr),
    ),

    folded_block: $ => paren(
      field('kind', choice('block', 'loop')),
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($._instr),
    ),

    folded_if: $ => paren(
      'if',
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($._folded),
      $.then_clause,
      optional($.else_clause),
    ),

    then_clause: $ => paren('then', repeat($._instr)),
    else_clause: $ => paren('else', repeat($._instr)),

    folded_try_table: $ => paren(
      'try_table',
      optional(field('label', $.identifier)),
      ...blockType($),
      repeat($.catch_clause),
      repeat($._instr),
    ),

    folded_try: $ => paren(
      'try',
      optional(field('label', $.identifier)),
      ...blockType($),
      $.do_clause,
      repeat($.legacy_catch),
      optional($.legacy_catch_all),
      optional($.delegate_clause),
    ),

    do_clause: $ => paren('do', repeat($._instr)),
    legacy_catch: $ => paren('catch', $._index, repeat($._instr)),
    legacy_catch_all: $ => paren('catch_all', repeat($._instr)),
    delegate_clause: $ => paren('delegate', $._index),

    // ------------------------------------------------------------------
    // .wast scripts

    _command: $ => choice(
      $.register,
      $.invoke,
      $.get,
      $.assertion,
      $.thread,
      $.wait,
    ),

    register: $ => paren('register', $.string, optional(field('module', $.identifier))),

    invoke: $ => paren(
      'invoke',
      optional(field('module', $.identifier)),
      $.string,
      repeat($.wast_const),
    ),

    get: $ => paren('get', optional(field('module', $.identifier)), $.string),

    assertion: $ => paren(
      field('kind', choice(...ASSERTIONS)),
      choice(
        $.module,
        $.module_binary,
        $.module_quote,
        $.module_instance,
        $.invoke,
        $.get,
      ),
      repeat(choice($.wast_const, $.either)),
      optional($.string),
    ),

    // A constant argument or expected result: (i32.const 1),
    // (f32.const nan:canonical), (ref.null func), (ref.extern 1), (ref.func) ...
    wast_const: $ => paren(field('op', $.instr_name), repeat($._immediate)),

    either: $ => paren('either', repeat($.wast_const)),

    // threads proposal scripts: (thread $T (shared (module $M))* command*)
    thread: $ => paren(
      'thread',
      field('name', $.identifier),
      repeat($.shared_module),
      repeat(choice($.module, $.module_binary, $.module_quote, $.module_instance, $._command)),
    ),

    shared_module: $ => paren('shared', paren('module', $.identifier)),

    wait: $ => paren('wait', $.identifier),
  },
});

/** Leaf keyword tokens shown as named nodes. */
function numType($) { return alias(choice(...NUM_TYPES), $.num_type); }
function packedType($) { return alias(choice(...PACKED_TYPES), $.packed_type); }
function absHeapType($) { return alias(choice(...ABS_HEAP_TYPES), $.abs_heap_type); }
function simdShape($) { return alias(choice(...SIMD_SHAPES), $.simd_shape); }

/** Block type: (type $t)? (param ..)* (result ..)* */
function blockType($) {
  return [optional($.type_use), repeat($.param), repeat($.result)];
}

/** Type use: (type $t)? (param ..)* (result ..)*, plus (exact ..) */
function typeUse($) {
  return [
    optional(choice($.type_use, $.exact_type_use)),
    repeat($.param),
    repeat($.result),
  ];
}
