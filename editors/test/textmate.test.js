// textmate.test.js: the VS Code grammar (editors/vscode/syntaxes/zy.tmLanguage.json),
// tokenized the way VS Code does it, with vscode-textmate and the Oniguruma regex engine
// compiled to WebAssembly (vscode-oniguruma).
//
// Over every .zy file in examples/, stdlib/, tests/lang/, tests/parse/ and tests/errors/
// (all valid Zy) it checks what a broken rule shows as:
//   - a string or comment never runs into the next line (Zy's are single-line), and no
//     begin/end rule is left open at a top-level `fn`, `test`, `import` or `let`;
//   - nothing in these valid files is scoped `invalid.*`;
//   - every reserved word outside strings and comments is scoped as a keyword, and no
//     identifier is split by a keyword rule;
//   - the file ends with the rule stack back at the top.
// On samples/highlight.zy it checks exact scopes, token by token.
//
//   npm ci --prefix editors && node --test editors/test/textmate.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadGrammar, tokenizeFile, scopeOf } = require('./textmate');

const repo = path.resolve(__dirname, '..', '..');

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'break', 'continue', 'else', 'false', 'fn', 'for', 'if', 'import',
  'in', 'let', 'none', 'not', 'or', 'test', 'true', 'while',
]);

/** Every .zy file the checks run over: the examples, the stdlib and the language tests. */
function zyFiles() {
  const dirs = ['examples', 'stdlib', 'tests/lang', 'tests/parse', 'tests/errors'];
  const files = [];
  for (const dir of dirs) {
    for (const name of fs.readdirSync(path.join(repo, dir)).sort()) {
      if (name.endsWith('.zy')) files.push(path.join(dir, name));
    }
  }
  return files;
}

const isStringOrComment = scopes => scopes.some(s => /^(string|comment)\./.test(s));

test('the grammar loads with the scope name source.zy', async () => {
  const grammar = await loadGrammar();
  assert.ok(grammar);
});

test('the file list is not empty', () => {
  // Guards the loop below from passing on nothing.
  assert.ok(zyFiles().length >= 20, `only ${zyFiles().length} .zy files found`);
});

for (const file of zyFiles()) {
  test(`tokenizes ${file} without a broken rule`, async () => {
    const grammar = await loadGrammar();
    const text = fs.readFileSync(path.join(repo, file), 'utf8');
    const { lines, finalDepth, depthBefore } = tokenizeFile(grammar, text);
    lines.forEach(({ line, tokens }, i) => {
      const where = `${file}:${i + 1}`;
      // A line that starts inside a string or comment means the previous line's ran on.
      if (tokens.length > 0 && line.trim() !== '') {
        const first = tokens[0];
        const firstText = line.slice(first.startIndex, first.endIndex);
        if (isStringOrComment(first.scopes)) {
          assert.match(line.slice(first.startIndex), /^\s*(#|f?")/, `${where}: line starts inside a string or comment: ${firstText}`);
        }
      }
      // A top-level item starts with no rule open.
      if (/^(fn|test|import|let)\b/.test(line)) {
        assert.equal(depthBefore[i], 1, `${where}: a rule is still open at this top-level item`);
      }
      for (const token of tokens) {
        const t = line.slice(token.startIndex, token.endIndex);
        assert.ok(!token.scopes.some(s => s.startsWith('invalid.')),
          `${where}:${token.startIndex + 1}: \`${t}\` is scoped ${token.scopes.join(' ')}`);
        if (isStringOrComment(token.scopes)) continue;
        // Reserved words outside strings and comments are keywords (or constants).
        for (const m of t.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
          if (!KEYWORDS.has(m[0])) continue;
          const whole = m.index === 0 && m[0].length === t.trim().length;
          assert.ok(whole && token.scopes.some(s => /^(keyword|storage\.type|constant\.language)\./.test(s)),
            `${where}:${token.startIndex + 1}: the keyword \`${m[0]}\` is in token \`${t}\` scoped ${token.scopes.join(' ')}`);
        }
        // A keyword rule must not match inside a longer name: `format`, `index`, `notes`.
        if (token.scopes.some(s => /^keyword\./.test(s)) && /^[A-Za-z_]/.test(t)) {
          const before = line[token.startIndex - 1] || ' ';
          const after = line[token.endIndex] || ' ';
          assert.ok(!/[A-Za-z0-9_]/.test(before) && !/[A-Za-z0-9_]/.test(after),
            `${where}:${token.startIndex + 1}: keyword scope on part of a name`);
        }
      }
    });
    assert.equal(finalDepth, 1, `${file}: a rule is still open at the end of the file`);
  });
}

// ------------------------------------------------------------------ exact scopes

/**
 * Expected scopes in samples/highlight.zy: [line, text, scope], where `text` is the
 * first token on that line (1-based) with that text at or after the previous expectation
 * on the same line, and `scope` must be its innermost scope (or, with a leading `~`, any
 * of its scopes). The sample's last lines hold two errors on purpose (`\q`, `!`), to
 * check that they are marked invalid; it is not a valid Zy file.
 */
const EXPECTED = [
  [1, '##', 'punctuation.definition.comment.zy'],
  [1, ' A documented function.', 'comment.line.number-sign.documentation.zy'],
  [2, 'import', 'keyword.control.import.zy'],
  [2, '"layers.zy"', 'string.quoted.double.zy'],
  [2, 'as', 'keyword.control.import.zy'],
  [2, 'layers', 'entity.name.namespace.zy'],
  [4, 'fn', 'storage.type.function.zy'],
  [4, 'linear', 'entity.name.function.zy'],
  [4, 'p', 'variable.parameter.zy'],
  [4, 'x', 'variable.parameter.zy'],
  [4, ':', 'punctuation.separator.annotation.zy'],
  [4, 'f32', 'support.type.primitive.zy'],
  [4, 'B', 'variable.other.constant.dimension.zy'],
  [4, '784', 'constant.numeric.integer.zy'],
  [4, 'out', 'variable.parameter.zy'],
  [4, 'int', 'support.type.primitive.zy'],
  [4, 'bias', 'variable.parameter.zy'],
  [4, 'bool', 'support.type.primitive.zy'],
  [4, 'true', 'constant.language.boolean.zy'],
  [4, '->', 'punctuation.separator.annotation.result.zy'],
  [4, 'Out', 'entity.name.type.zy'],
  [5, 'w', 'variable.other.member.declaration.zy'],
  [5, '~', 'keyword.operator.declaration.zy'],
  [5, 'glorot', 'entity.name.function.call.zy'],
  [5, 'shape', 'variable.other.property.zy'],
  [5, '-', 'keyword.operator.arithmetic.zy'],
  [5, '1', 'constant.numeric.integer.zy'],
  [6, 'let', 'storage.type.let.zy'],
  [6, 'y', 'variable.other.declaration.zy'],
  [6, '=', 'keyword.operator.assignment.zy'],
  [6, '@', 'keyword.operator.matrix.zy'],
  [7, 'if', 'keyword.control.conditional.zy'],
  [8, 'zeros', 'entity.name.function.call.zy'],
  [9, '+=', 'keyword.operator.assignment.compound.zy'],
  [10, 'else', 'keyword.control.conditional.zy'],
  [10, 'none', 'constant.language.none.zy'],
  [14, 'test', 'keyword.other.test.zy'],
  [14, '"linear declares its shapes"', '~entity.name.function.test.zy'],
  [15, 'for', 'keyword.control.loop.zy'],
  [15, 'in', 'keyword.operator.in.zy'],
  [15, '0', 'constant.numeric.integer.zy'],
  [15, '..', 'keyword.operator.range.zy'],
  [16, 'break', 'keyword.control.flow.zy'],
  [17, 'lr', 'variable.other.property.key.zy'],
  [17, '1e-3', 'constant.numeric.float.zy'],
  [17, 'quoted key', 'string.quoted.double.zy'],
  [18, 'opt', 'variable.other.declaration.zy'],
  [18, 'optim', 'entity.name.namespace.zy'],
  [18, 'adam', 'entity.name.function.method.zy'],
  [18, 'lr', 'variable.parameter.keyword.zy'],
  [18, '0.5', 'constant.numeric.float.zy'],
  [19, 'f', 'storage.type.string.zy'],
  [19, 'epoch ', 'string.interpolated.zy'],
  [19, '{', 'punctuation.section.interpolation.begin.zy'],
  [19, 'n', '~meta.embedded.line.zy'],
  [19, ':', 'punctuation.separator.format-spec.zy'],
  [19, '.4f', 'constant.other.format-spec.zy'],
  [19, '}', 'punctuation.section.interpolation.end.zy'],
  [19, '{{', 'constant.character.escape.brace.zy'],
  [19, '\\n', 'constant.character.escape.zy'],
  [19, '\\u{e9}', 'constant.character.escape.unicode.zy'],
  [19, '+', '~meta.interpolation.zy'],
  [19, '!', 'string.quoted.double.zy'],
  [19, '}', 'punctuation.section.interpolation.end.zy'],
  [20, 'assert', 'keyword.other.assert.zy'],
  [20, 'not', 'keyword.operator.logical.zy'],
  [20, '==', 'keyword.operator.comparison.zy'],
  [20, 'and', 'keyword.operator.logical.zy'],
  [21, '|', 'punctuation.definition.parameters.begin.zy'],
  [21, 'a', 'variable.parameter.zy'],
  [21, 'f32', 'support.type.primitive.zy'],
  [21, 'k', 'variable.parameter.zy'],
  [21, '**', 'keyword.operator.arithmetic.zy'],
  [22, 'astype', 'entity.name.function.call.zy'],
  [22, 'f64', 'support.type.dtype.zy'],
  [22, 'bad ', 'string.quoted.double.zy'],
  [22, '\\q', 'invalid.illegal.escape.zy'],
  [23, '!', 'invalid.illegal.character.zy'],
];

test('exact scopes on samples/highlight.zy', async () => {
  const grammar = await loadGrammar();
  const text = fs.readFileSync(path.join(__dirname, 'samples', 'highlight.zy'), 'utf8');
  const { lines } = tokenizeFile(grammar, text);
  let lastLine = 0, from = 0;
  for (const [lineNo, want, scope] of EXPECTED) {
    if (lineNo !== lastLine) from = 0;
    lastLine = lineNo;
    const { line, tokens } = lines[lineNo - 1];
    const token = scopeOf(line, tokens, want, from);
    assert.ok(token, `line ${lineNo}: no token \`${want}\` at or after column ${from + 1} in: ${line}`);
    from = token.endIndex;
    if (scope.startsWith('~')) {
      assert.ok(token.scopes.includes(scope.slice(1)),
        `line ${lineNo}: \`${want}\` is ${token.scopes.join(' ')}, without ${scope.slice(1)}`);
    } else {
      assert.equal(token.scopes[token.scopes.length - 1], scope, `line ${lineNo}: \`${want}\` is ${token.scopes.join(' ')}`);
    }
  }
});

test('an unterminated string stops at the end of its line', async () => {
  const grammar = await loadGrammar();
  const { lines } = tokenizeFile(grammar, 'let s = "no end\nlet t = 1\n');
  const let2 = lines[1].tokens[0];
  assert.deepEqual(let2.scopes, ['source.zy', 'storage.type.let.zy']);
});

test('an unclosed or mismatched bracket stays local', async () => {
  const grammar = await loadGrammar();
  for (const file of ['mismatched_bracket.zy', 'unterminated_string.zy', 'unclosed_call.zy']) {
    const text = fs.readFileSync(path.join(repo, 'tests', 'syntax', file), 'utf8') + 'fn next() {}\n';
    const { depthBefore, finalDepth } = tokenizeFile(grammar, text);
    assert.equal(depthBefore[depthBefore.length - 1], 1, `${file}: a rule is still open after the broken function`);
    assert.equal(finalDepth, 1);
  }
});
