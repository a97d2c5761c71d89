; Scopes: a function (params, locals, labels); block forms (labels).
(func) @local.scope
[
  (block_instr)
  (if_instr)
  (try_table_instr)
  (try_instr)
  (folded_block)
  (folded_if)
  (folded_try_table)
  (folded_try)
] @local.scope

(param name: (identifier) @local.definition.parameter)
(local name: (identifier) @local.definition.var)
(block_instr label: (identifier) @local.definition.label)
(if_instr label: (identifier) @local.definition.label)
(try_table_instr label: (identifier) @local.definition.label)
(try_instr label: (identifier) @local.definition.label)
(folded_block label: (identifier) @local.definition.label)
(folded_if label: (identifier) @local.definition.label)
(folded_try_table label: (identifier) @local.definition.label)
(folded_try label: (identifier) @local.definition.label)

(plain_instr (identifier) @local.reference)
(folded_instr (identifier) @local.reference)
