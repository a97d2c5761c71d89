; Highlights for tree-sitter-wat (.wat / .wast).
; Later patterns win in tree-sitter-highlight; nvim uses priority by order too.

(comment) @comment
(block_comment) @comment
(annotation) @attribute

(string) @string
(integer) @number
(float) @number.float
(mem_offset) @property
(mem_align) @property

(num_type) @type.builtin
(packed_type) @type.builtin
(abs_heap_type) @type.builtin
(simd_shape) @type.builtin
(ref_type) @type

(instr_name) @function.builtin

(identifier) @variable

; definitions and uses with a known role
(func name: (identifier) @function)
(import_desc kind: "func" name: (identifier) @function)
(type_field name: (identifier) @type.definition)
(type_use (identifier) @type)
(ref_type heap: (identifier) @type)
(exact_heap_type (identifier) @type)
(sub_type (identifier) @type)
(param name: (identifier) @variable.parameter)
(local name: (identifier) @variable)
(field_decl name: (identifier) @property)
(global name: (identifier) @variable)
(module name: (identifier) @module)
(module_binary name: (identifier) @module)
(module_quote name: (identifier) @module)
(module_instance (identifier) @module)
[
  (block_instr label: (identifier) @label)
  (block_instr end_label: (identifier) @label)
  (if_instr label: (identifier) @label)
  (if_instr else_label: (identifier) @label)
  (if_instr end_label: (identifier) @label)
  (try_table_instr label: (identifier) @label)
  (try_table_instr end_label: (identifier) @label)
  (try_instr label: (identifier) @label)
  (try_instr end_label: (identifier) @label)
  (folded_block label: (identifier) @label)
  (folded_if label: (identifier) @label)
  (folded_try_table label: (identifier) @label)
  (folded_try label: (identifier) @label)
]

[
  "module" "definition" "instance" "binary" "quote"
  "type" "rec" "sub" "final" "func" "struct" "array" "cont" "field"
  "param" "result" "local"
  "import" "export" "table" "memory" "global" "tag" "elem" "data" "start"
  "offset" "item" "declare" "pagesize" "shared"
  "describes" "descriptor" "exact" "on" "switch"
] @keyword

["mut" "ref" "null"] @keyword.modifier

["if" "then" "else"] @keyword.conditional
"loop" @keyword.repeat
["block" "end"] @keyword
["try_table" "try" "do" "catch" "catch_ref" "catch_all" "catch_all_ref" "delegate"] @keyword.exception

[
  "register" "invoke" "get" "either" "thread" "wait"
] @keyword.directive

(assertion kind: _ @keyword.directive)

["(" ")"] @punctuation.bracket
