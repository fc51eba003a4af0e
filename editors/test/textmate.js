// textmate.js: loads the VS Code grammar of Zy with vscode-textmate, as VS Code does,
// for textmate.test.js. The modules come from editors/node_modules (`npm ci --prefix
// editors`); without them this file throws, and the test fails saying so.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

let vsctm, oniguruma;
try {
  vsctm = require('vscode-textmate');
  oniguruma = require('vscode-oniguruma');
} catch (e) {
  throw new Error(`vscode-textmate and vscode-oniguruma are not installed: run \`npm ci --prefix editors\` (${e.message})`);
}

const GRAMMAR_PATH = path.resolve(__dirname, '..', 'vscode', 'syntaxes', 'zy.tmLanguage.json');

let grammarPromise = null;

/** The grammar of source.zy, loaded once. */
function loadGrammar() {
  if (grammarPromise) return grammarPromise;
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
    createOnigScanner: patterns => new oniguruma.OnigScanner(patterns),
    createOnigString: s => new oniguruma.OnigString(s),
  }));
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async scopeName => {
      if (scopeName !== 'source.zy') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH);
    },
  });
  grammarPromise = registry.loadGrammar('source.zy');
  return grammarPromise;
}

/**
 * Tokenizes `text` line by line, carrying the rule stack as an editor does. Returns the
 * tokens of each line, the stack depth before each line, and the depth at the end.
 */
function tokenizeFile(grammar, text) {
  let stack = vsctm.INITIAL;
  const lines = [], depthBefore = [];
  const source = text.endsWith('\n') ? text.slice(0, -1) : text;
  for (const line of source.split('\n')) {
    depthBefore.push(stack.depth);
    const result = grammar.tokenizeLine(line, stack);
    lines.push({ line, tokens: result.tokens });
    stack = result.ruleStack;
  }
  return { lines, depthBefore, finalDepth: stack.depth };
}

/** The first token of `tokens` whose text is `want`, starting at or after column `from`. */
function scopeOf(line, tokens, want, from) {
  return tokens.find(t => t.startIndex >= from && line.slice(t.startIndex, t.endIndex) === want);
}

module.exports = { loadGrammar, tokenizeFile, scopeOf };
