/**
 * grammar.js: a tree-sitter grammar for Zy, following grammar/Zy.g4 rule for rule.
 *
 * Zy's parser does not see raw newlines: compiler/syntax/Parser.cpp keeps a NEWLINE only
 * where it can end a statement. Here that is the external token `_newline`, produced by
 * src/scanner.c only where the parse state accepts a statement end (so never inside `(`
 * or `[`, nor after an operator or `,`), and never before `}`, `)`, `]`, `,`, `.` or
 * `else`, the tokens Parser.cpp also continues a line at. Everywhere else a newline is
 * whitespace (an extra).
 *
 * ANTLR's flat operator chains become precedence-climbing rules with the levels of
 * docs/language.md ("Precedence and associativity"). Checks the AST builder makes after
 * parsing (chained comparisons, a positional argument after a keyword one, what may
 * stand left of `=` or `~`, escapes, f-string specs) are not made here: this grammar
 * accepts those programs, as ANTLR's does, and the compiler reports them.
 */

// Binding powers, loosest first (docs/language.md). Lambda bodies and ranges are below
// every binary operator; postfix forms (call, index, field) bind tightest.
const PREC = {
  lambda: -1,
  // Above 0, the precedence of `_expression -> _operand_chain`, so that a lambda's body
  // takes a range: `|x| x..2` has body `x..2`.
  range: 1,
  or: 2,
  and: 3,
  not: 4,
  compare: 5,
  additive: 6,
  multiplicative: 7,
  unary: 8,
  power: 9,
  postfix: 10,
};

/** `rule (',' rule)* ','?`: a non-empty comma list with an optional trailing comma. */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

/** A comma list that may be empty: `(rule (',' rule)* ','?)?`. */
function commaSep(rule) {
  return optional(commaSep1(rule));
}

/**
 * `sep? (item (sep item)*)? sep?`: the body of a file or a block, with `sep` one or more
 * newlines or `;`.
 */
function separated($, rule) {
  return seq(
    optional($._sep),
    optional(seq(rule, repeat(seq($._sep, rule)), optional($._sep))),
  );
}

module.exports = grammar({
  name: 'zy',

  // Keywords are extracted from identifiers, so `format` is one name, not `for` + `mat`.
  word: $ => $.identifier,

  externals: $ => [$._newline],

  // A newline the scanner did not turn into `_newline` is whitespace.
  extras: $ => [$.comment, /[ \t\r\f\n]/],

  supertypes: $ => [$._statement, $._expression, $._type, $._pattern],

  rules: {
    // ------------------------------------------------------------ files and items

    source_file: $ => separated($, $._item),

    _item: $ => choice(
      $.function_definition,
      $.import_declaration,
      $.test_declaration,
      $.let_statement,
    ),

    _sep: $ => repeat1(choice($._newline, ';')),

    import_declaration: $ => seq(
      'import',
      field('path', $.string),
      'as',
      field('name', $.identifier),
    ),

    test_declaration: $ => seq(
      'test',
      field('name', $.string),
      field('body', $.block),
    ),

    function_definition: $ => seq(
      'fn',
      field('name', $.identifier),
      field('parameters', $.parameters),
      optional(seq('->', field('return_type', $._type))),
      choice(
        field('body', $.block),
        seq('=', field('body', $._expression)),
      ),
    ),

    parameters: $ => seq('(', commaSep($.parameter), ')'),

    parameter: $ => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('default', $._expression))),
    ),

    // ------------------------------------------------------------ type annotations

    _type: $ => choice($.named_type, $.list_type, $.tuple_type),

    // `int`, `f32`, `f32[B, 784]`, `f32[]` (a scalar tensor).
    named_type: $ => seq(
      field('name', alias($.identifier, $.type_identifier)),
      optional(field('shape', $.shape)),
    ),

    shape: $ => seq('[', commaSep($._dimension), ']'),

    _dimension: $ => choice($.integer, alias($.identifier, $.dimension), $.ellipsis),

    list_type: $ => seq('[', field('element', $._type), ']'),

    tuple_type: $ => seq('(', commaSep($._type), ')'),

    // ------------------------------------------------------------ statements

    block: $ => seq('{', separated($, $._statement), '}'),

    _statement: $ => choice(
      $.let_statement,
      $.for_statement,
      $.while_statement,
      $.break_statement,
      $.continue_statement,
      $.assert_statement,
      $.function_definition,
      $.expression_statement,
      $.assignment,
      $.augmented_assignment,
      $.parameter_declaration,
    ),

    let_statement: $ => seq(
      'let',
      field('pattern', $._pattern),
      optional(seq(':', field('type', $._type))),
      '=',
      field('value', $._expression),
    ),

    for_statement: $ => seq(
      'for',
      field('pattern', $._pattern),
      'in',
      field('iterable', $._expression),
      field('body', $.block),
    ),

    while_statement: $ => seq(
      'while',
      field('condition', $._expression),
      field('body', $.block),
    ),

    break_statement: _ => 'break',

    continue_statement: _ => 'continue',

    assert_statement: $ => seq(
      'assert',
      field('condition', $._expression),
      optional(seq(',', field('message', $._expression))),
    ),

    expression_statement: $ => $._expression,

    // `x = e`, `(a, b) = e`: rebinding (Zy.g4's exprStmt with `=`).
    assignment: $ => seq(
      field('left', $._expression),
      '=',
      field('right', $._expression),
    ),

    // `x += e` is `x = x + e`.
    augmented_assignment: $ => seq(
      field('left', $._expression),
      field('operator', choice('+=', '-=', '*=', '/=')),
      field('right', $._expression),
    ),

    // `p.w ~ glorot([n, m])` declares the parameter at the path p.w.
    parameter_declaration: $ => seq(
      field('path', $._expression),
      '~',
      field('initializer', $._expression),
    ),

    _pattern: $ => choice($.identifier, $.tuple_pattern),

    tuple_pattern: $ => seq('(', commaSep1($._pattern), ')'),

    // ------------------------------------------------------------ expressions

    _expression: $ => choice($.range, $._operand_chain),

    // `lo..hi`: at most one per expression, both sides whole operator chains.
    range: $ => prec(PREC.range, seq(
      field('start', $._operand_chain),
      '..',
      field('end', $._operand_chain),
    )),

    _operand_chain: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $.not_expression,
      $.lambda,
      $._primary,
    ),

    binary_expression: $ => {
      const table = [
        [PREC.or, 'or'],
        [PREC.and, 'and'],
        [PREC.compare, choice('==', '!=', '<', '<=', '>', '>=', 'in')],
        [PREC.additive, choice('+', '-')],
        [PREC.multiplicative, choice('*', '/', '%', '@')],
      ];
      return choice(
        ...table.map(([level, operator]) => prec.left(level, seq(
          field('left', $._operand_chain),
          field('operator', operator),
          field('right', $._operand_chain),
        ))),
        // `2 ** 3 ** 2` is `2 ** (3 ** 2)`; `-x ** 2` is `-(x ** 2)`.
        prec.right(PREC.power, seq(
          field('left', $._operand_chain),
          field('operator', '**'),
          field('right', $._operand_chain),
        )),
      );
    },

    unary_expression: $ => prec(PREC.unary, seq(
      field('operator', choice('-', '+')),
      field('operand', $._operand_chain),
    )),

    // `not a == b` is `not (a == b)`; `not a and b` is `(not a) and b`.
    not_expression: $ => prec(PREC.not, seq(
      field('operator', 'not'),
      field('operand', $._operand_chain),
    )),

    // `|a, b| a + b`, `|| 42`: the body extends as far right as possible.
    lambda: $ => prec.right(PREC.lambda, seq(
      '|',
      field('parameters', optional(alias($._lambda_parameters, $.parameters))),
      '|',
      field('body', $._expression),
    )),

    _lambda_parameters: $ => commaSep1($.parameter),

    _primary: $ => choice(
      $.call,
      $.subscript,
      $.field_expression,
      $.integer,
      $.float,
      $.string,
      $.fstring,
      $.true,
      $.false,
      $.none,
      $.identifier,
      $.parenthesized_expression,
      $.tuple,
      $.list,
      $.list_comprehension,
      $.record,
      $.block,
      $.if_expression,
    ),

    call: $ => prec(PREC.postfix, seq(
      field('function', $._primary),
      field('arguments', $.arguments),
    )),

    arguments: $ => seq('(', commaSep(choice($._expression, $.keyword_argument)), ')'),

    keyword_argument: $ => seq(
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    subscript: $ => prec(PREC.postfix, seq(
      field('value', $._primary),
      '[',
      commaSep1(field('index', choice($.ellipsis, $.slice, $._expression))),
      ']',
    )),

    // `lo:hi:step`, each part optional: `x[:]`, `x[::-1]`, `x[a:b:]`.
    slice: $ => seq(
      optional(field('start', $._expression)),
      ':',
      optional(field('stop', $._expression)),
      optional(seq(':', optional(field('step', $._expression)))),
    ),

    field_expression: $ => prec(PREC.postfix, seq(
      field('object', $._primary),
      '.',
      field('field', alias($.identifier, $.field_identifier)),
    )),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    // `()`, `(a,)`, `(a, b)`.
    tuple: $ => choice(
      seq('(', ')'),
      seq('(', $._expression, ',', commaSep($._expression), ')'),
    ),

    list: $ => seq('[', commaSep($._expression), ']'),

    // `[e for x in xs if c for y in ys]`: clauses nest left to right.
    list_comprehension: $ => seq(
      '[',
      field('body', $._expression),
      repeat1(seq($.for_in_clause, optional($.if_clause))),
      ']',
    ),

    for_in_clause: $ => seq(
      'for',
      field('pattern', $._pattern),
      'in',
      field('iterable', $._expression),
    ),

    if_clause: $ => seq('if', field('condition', $._expression)),

    // `{}` in expression position, and `{name: e, "quoted": e}`. The empty record wins
    // over an empty block expression, as in Zy.
    record: $ => choice(
      prec(1, seq('{', '}')),
      seq('{', commaSep1($.record_field), '}'),
    ),

    record_field: $ => seq(
      field('key', choice(alias($.identifier, $.field_identifier), $.string)),
      ':',
      field('value', $._expression),
    ),

    if_expression: $ => seq(
      'if',
      field('condition', $._expression),
      field('consequence', $.block),
      repeat(field('alternative', $.else_if_clause)),
      optional(field('alternative', $.else_clause)),
    ),

    else_if_clause: $ => seq(
      'else',
      'if',
      field('condition', $._expression),
      field('consequence', $.block),
    ),

    else_clause: $ => seq('else', field('body', $.block)),

    // ------------------------------------------------------------ tokens

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,

    integer: _ => /[0-9]+/,

    float: _ => token(choice(
      /[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?/,
      /[0-9]+[eE][+-]?[0-9]+/,
    )),

    true: _ => 'true',
    false: _ => 'false',
    none: _ => 'none',

    ellipsis: _ => '...',

    comment: _ => token(seq('#', /[^\r\n]*/)),

    string: $ => seq(
      '"',
      repeat(choice($._string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    _string_content: _ => token.immediate(prec(1, /[^"\\\r\n]+/)),

    // Zy.g4 lexes `\` and any one character; the compiler then accepts only
    // `\n \t \r \0 \\ \" \{ \} \u{X...}`. `\u{...}` is one escape here.
    escape_sequence: _ => token.immediate(prec(1, choice(
      /\\u\{[0-9A-Fa-f]*\}/,
      /\\[^\r\n]/,
    ))),

    // `f"epoch {epoch}: loss {l:.4f}, {{literal}}"`. A hole holds one expression (which
    // may contain string literals) and an optional format spec after a top-level `:`.
    fstring: $ => seq(
      'f"',
      repeat(choice(
        $._fstring_content,
        $.escape_sequence,
        alias($._double_brace, $.escape_sequence),
        $.interpolation,
      )),
      token.immediate('"'),
    ),

    _fstring_content: _ => token.immediate(prec(1, /[^"\\{}\r\n]+/)),

    _double_brace: _ => token.immediate(prec(2, choice('{{', '}}'))),

    interpolation: $ => seq(
      token.immediate('{'),
      field('expression', $._expression),
      optional(seq(':', optional(field('format_spec', $.format_spec)))),
      '}',
    ),

    // Python's mini-language: `[[fill]align][sign][0][width][,][.precision][type]`.
    format_spec: _ => token.immediate(/[^}"\r\n]+/),
  },
});
