; highlights.scm: highlighting for tree-sitter-zy, with the capture names of
; nvim-treesitter (and Helix, which reads the same names). When several patterns
; capture one node, the later pattern wins, so general patterns come first.
; Predicates: only #eq?, #any-of? and #match? with patterns that Vim and POSIX regexes
; read alike (editors/test/tree-sitter.test.js evaluates them with POSIX).

; ---------------------------------------------------------------- names

(identifier) @variable

(parameter name: (identifier) @variable.parameter)

(keyword_argument name: (identifier) @variable.parameter)

(field_identifier) @property

; Standard-library modules, in scope in every file.
((identifier) @module
  (#any-of? @module "nn" "optim" "data" "random" "tree" "io"))

(import_declaration name: (identifier) @module)

; Shape variables of type annotations: `B` in `f32[B, 784]`.
(dimension) @type.parameter

; ---------------------------------------------------------------- functions

(function_definition name: (identifier) @function)

(call function: (identifier) @function.call)

(call function: (field_expression field: (field_identifier) @function.method.call))

; A parameter declaration's path: `p.w ~ glorot([n, m])`.
(parameter_declaration path: (field_expression field: (field_identifier) @variable.member))

(parameter_declaration path: (subscript value: (field_expression field: (field_identifier) @variable.member)))

; ---------------------------------------------------------------- types

(type_identifier) @type

((type_identifier) @type.builtin
  (#any-of? @type.builtin "int" "float" "bool" "str" "f16" "bf16" "f32" "f64" "i8" "i16" "i32" "i64" "u8"))

; Dtypes are also values: `astype(x, f32)`, `one_hot(l, n, dtype = f32)`.
((identifier) @type.builtin
  (#any-of? @type.builtin "f16" "bf16" "f32" "f64" "i8" "i16" "i32" "i64" "u8"))

; ---------------------------------------------------------------- literals

(integer) @number

(float) @number.float

[
  (true)
  (false)
] @boolean

(none) @constant.builtin

(string) @string

(fstring) @string

(escape_sequence) @string.escape

(format_spec) @string.special

(fstring "f\"" @string)

; The name of a test block.
(test_declaration name: (string) @string.special)

(import_declaration path: (string) @string.special.path)

(record_field key: (field_identifier) @property)

; ---------------------------------------------------------------- comments

(comment) @comment @spell

; `##` comments, by convention documentation (Zy itself treats them as comments).
((comment) @comment.documentation
  (#match? @comment.documentation "^##"))

; ---------------------------------------------------------------- keywords

[
  "let"
  "assert"
] @keyword

"fn" @keyword.function

[
  "import"
  "as"
] @keyword.import

[
  "if"
  "else"
] @keyword.conditional

[
  "for"
  "while"
  (break_statement)
  (continue_statement)
] @keyword.repeat

(for_in_clause "in" @keyword.repeat)

(for_statement "in" @keyword.repeat)

"test" @keyword.test

[
  "and"
  "or"
  "not"
] @keyword.operator

(binary_expression operator: "in" @keyword.operator)

; ---------------------------------------------------------------- operators

[
  "+" "-" "*" "/" "%" "@" "**"
  "==" "!=" "<" "<=" ">" ">="
  "=" "+=" "-=" "*=" "/="
  ".."
  "->"
] @operator

; `~` declares a parameter.
"~" @keyword.operator

(ellipsis) @punctuation.special

(lambda "|" @punctuation.bracket)

["(" ")" "[" "]" "{" "}"] @punctuation.bracket

["," "." ":" ";"] @punctuation.delimiter

; The braces of an f-string hole (after the general brackets, so they win).
(interpolation
  "{" @punctuation.special
  "}" @punctuation.special)
