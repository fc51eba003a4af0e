// Zy.g4: the grammar of the Zy language (see docs/language.md).
//
// The parser does not see raw newlines: compiler/syntax/Parser.cpp lexes the file,
// matches brackets and keeps a NEWLINE only where it can end a statement (not inside
// `(` or `[`, not after an operator or `,`, not before `}` or `else`). That keeps this
// grammar free of newline noise and lets statements end at a newline or `;`.
//
// Binary operators are parsed as a flat list (`binary`); the AST builder applies
// precedence and associativity with an explicit stack, so a long chain like
// `1 + 1 + ... + 1` needs no parser recursion. For the same reason prefix operators
// and `else if` chains are repetitions, not recursive rules.

grammar Zy;

// ---------------------------------------------------------------- files and items

file      : sep? (item (sep item)*)? sep? EOF ;
exprOnly  : expr EOF ;                 // the expression inside an f-string `{...}`
replInput : sep? (replItem (sep replItem)*)? sep? EOF ;  // one input of `zy repl`
replItem  : importDecl | stmt ;
sep       : (NEWLINE | ';')+ ;

item      : fnDecl | importDecl | testDecl | letStmt ;

importDecl: 'import' STRING 'as' IDENT ;
testDecl  : 'test' STRING block ;
fnDecl    : 'fn' IDENT '(' paramList? ')' ('->' ret=type)? (block | '=' expr) ;
paramList : param (',' param)* ','? ;
param     : IDENT (':' type)? ('=' expr)? ;

// ---------------------------------------------------------------- type annotations

type      : IDENT ('[' (dim (',' dim)* ','?)? ']')?      # namedType
          | '[' type ']'                                  # listType
          | '(' (type (',' type)* ','?)? ')'              # tupleType
          ;
dim       : INT | IDENT | '...' ;

// ---------------------------------------------------------------- statements

block     : '{' sep? (stmt (sep stmt)*)? sep? '}' ;
stmt      : letStmt | forStmt | whileStmt | breakStmt | continueStmt | assertStmt | fnDecl | exprStmt ;
letStmt   : 'let' pattern (':' type)? '=' expr ;
forStmt   : 'for' pattern 'in' expr block ;
whileStmt : 'while' expr block ;
breakStmt : 'break' ;                  // only inside a loop: the AST builder checks
continueStmt : 'continue' ;
assertStmt: 'assert' expr (',' expr)? ;
exprStmt  : expr (op=('=' | '~' | '+=' | '-=' | '*=' | '/=') expr)? ;   // `x = e` rebinds, `x += e` is `x = x + e`, `p.w ~ init` declares
pattern   : IDENT | '(' pattern (',' pattern)* ','? ')' ;

// ---------------------------------------------------------------- expressions

expr      : binary ('..' binary)? ;
binary    : operand (binop operand)* ;
binop     : 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in'
          | '+' | '-' | '*' | '/' | '%' | '@' | '**' ;
operand   : prefixOp* postfix ;
prefixOp  : '-' | '+' | 'not' ;
postfix   : primary suffix* ;
suffix    : '(' argList? ')'              # callSuffix
          | '[' index (',' index)* ','? ']'   # indexSuffix
          | '.' IDENT                     # fieldSuffix
          ;
argList   : arg (',' arg)* ','? ;
arg       : (IDENT '=')? expr ;
index     : '...'                                          # ellipsisIndex
          | lo=expr? ':' hi=expr? (':' step=expr?)?        # sliceIndex
          | expr                                           # exprIndex
          ;

primary   : INT                                            # intLit
          | FLOAT                                          # floatLit
          | STRING                                         # stringLit
          | FSTRING                                        # fstringLit
          | ('true' | 'false')                             # boolLit
          | 'none'                                         # noneLit
          | IDENT                                          # nameRef
          | '(' ')'                                        # emptyTuple
          | '(' expr ')'                                   # parens
          | '(' expr ',' (expr (',' expr)* ','?)? ')'      # tuple
          | '[' (expr (',' expr)* ','?)? ']'               # list
          | '[' expr compFor+ ']'                          # listComp
          | '{' '}'                                        # emptyRecord
          | '{' field (',' field)* ','? '}'                # record
          | block                                          # blockExpr
          | ifExpr                                         # ifLit
          | '|' paramList? '|' expr                        # lambda
          ;
field     : (IDENT | STRING) ':' expr ;
compFor   : 'for' pattern 'in' expr ('if' expr)? ;     // one clause of `[e for x in xs if c]`
ifExpr    : 'if' expr block ('else' 'if' expr block)* ('else' block)? ;

// ---------------------------------------------------------------- tokens

INT       : [0-9]+ ;
FLOAT     : [0-9]+ '.' [0-9]+ EXPONENT? | [0-9]+ EXPONENT ;
FSTRING   : 'f"' (ESCAPE | FHOLE | ~["\\\r\n])* '"' ;
STRING    : '"' (ESCAPE | ~["\\\r\n])* '"' ;
IDENT     : [A-Za-z_] [A-Za-z0-9_]* ;
NEWLINE   : '\r'? '\n' ;
WS        : [ \t\r\f]+ -> skip ;
COMMENT   : '#' ~[\r\n]* -> skip ;

// Tokens that only exist to give good errors; the parser never accepts them.
UNTERMINATED_STRING : 'f'? '"' (ESCAPE | ~["\\\r\n])* '\\'? ;
BAD_CHAR  : . ;

fragment EXPONENT : [eE] [+-]? [0-9]+ ;
fragment ESCAPE   : '\\' ~[\r\n] ;
// A hole of an f-string may hold string literals: f"{name + "!"}".
fragment FHOLE    : '{' (STRING | ~["}\r\n])* '}' ;
