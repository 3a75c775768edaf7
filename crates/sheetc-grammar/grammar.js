/**
 * @file Tree-sitter grammar for the Excel formula language, as Excel writes it into
 *       .xlsx files (A1 style, en-US separators, no leading `=`).
 *
 * Design notes (why things are the way they are):
 *
 * - References are LEXICAL tokens (`cell`, `column_range`, `row_range`, `sheet_prefix`),
 *   not syntax rules. `A:C` and `3:5` cannot be built from smaller tokens (`A` alone is a
 *   name, `3` alone is a number), and a sheet prefix such as `'It''s'!` or `Sheet1:Sheet3!`
 *   has its own quoting rules. Making them tokens lets the lexer settle these forms by
 *   longest match.
 *
 * - `cell` and `name` overlap (`A1` matches both). Both tokens keep the DEFAULT lexical
 *   precedence on purpose: tree-sitter then prefers the LONGEST match (`R1C1`, `A1B`,
 *   `my.name`, `A1_x` are names) and, on a tie, the token declared first — `cell`, which
 *   is declared before `name` below. An explicit `token(prec(1, cell))` would be wrong: the
 *   lexer would stop after `R1` in `R1C1`. Addresses beyond the sheet (`XFE1`, `A1048577`)
 *   still lex as `cell`; the AST conversion turns those into defined names.
 *   `boolean` is declared before `name` for the same reason (`TRUE` is a boolean, `TRUEX`
 *   a name).
 *
 * - A function call's name token INCLUDES the `(` (`SUM(`, `LOG10(`, `TRUE(`,
 *   `_xlfn.NORM.DIST(`): Excel allows no space there, and with the paren in the token the
 *   longest match makes `LOG10(` a call although `LOG10` alone is a cell and `TRUE()` a call
 *   although `TRUE` alone is a boolean.
 *
 * - Whitespace is an extra everywhere, EXCEPT that a run of whitespace between two
 *   reference operands is the intersection operator (`A1:B2 B1:C3`). A regular token
 *   cannot express "whitespace followed by an operand", so the external scanner
 *   (src/scanner.c) emits `_intersect` only when the parser could accept an intersection
 *   there AND the next non-blank character can start an operand; otherwise the blanks
 *   are skipped as extras (`1 + 2`, `SUM( A1 , B2 )`).
 *
 * - Precedence follows Excel, tightest first: `#` spill, `:` range, ` ` intersection,
 *   `,` union, prefix `-`/`+`/`@`, postfix `%`, `^` (LEFT-associative), `* /`, `+ -`,
 *   `&`, comparisons (left-associative). So `-2^2` is `(-2)^2` and `2^3^2` is `(2^3)^2`.
 *
 * - Union `,` only exists directly inside parentheses (`(A1,B2)`); in argument lists the
 *   comma separates arguments. The union is a flat list node (`union`), so each member is a
 *   full expression; since Excel only accepts references as union members, this gives the
 *   same tree as Excel's "`,` binds tighter than `-`" for every formula Excel accepts.
 */

const PREC = {
  COMPARE: 1,
  CONCAT: 2,
  ADD: 3,
  MUL: 4,
  POW: 5,
  PERCENT: 6,
  PREFIX: 7,
  INTERSECT: 9,
  RANGE: 10,
  SPILL: 11,
  INVOKE: 12,
};

// Characters of an unquoted sheet name: letters (any script), digits, `_`, `.`.
const SHEET_START = /[A-Za-z_\\\p{L}]/;
const SHEET_CHAR = /[A-Za-z0-9_.\\\p{L}\p{N}]/;
// Defined names: start with a letter, `_` or `\`; then letters, digits, `_ . \ ?`.
const NAME_START = /[A-Za-z_\\\p{L}]/;
const NAME_CHAR = /[A-Za-z0-9_.\\?\p{L}\p{N}]/;

export default grammar({
  name: 'excel_formula',

  extras: $ => [/[ \t\r\n\u00A0]/],

  externals: $ => [
    // Whitespace acting as the intersection operator (see src/scanner.c).
    $._intersect,
    // Never used by the grammar: it is only "valid" during error recovery, which tells
    // the scanner to stay out of the way.
    $._error_sentinel,
  ],

  conflicts: $ => [],

  rules: {
    formula: $ => $._expression,

    _expression: $ => choice(
      // Order matters for the lexer tie-break: cell and boolean before name.
      $.cell,
      $.column_range,
      $.row_range,
      $.boolean,
      $.number,
      $.string,
      $.error,
      $.ref_error,
      $.array,
      $.name,
      $.prefixed_reference,
      $.structured_reference,
      $.call,
      $.invoke,
      $.parenthesized,
      $.unary,
      $.percent,
      $.binary,
      $.range,
      $.intersection,
      $.spill,
    ),

    // ---------------------------------------------------------------- literals

    // `1`, `1.5`, `.5`, `1.`, `1E+30`, `1e-5`. Signs are unary operators.
    number: _ => token(/(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/),

    // Double quotes, with `""` standing for one quote.
    string: _ => token(seq('"', repeat(choice(/[^"]/, '""')), '"')),

    boolean: _ => token(choice(/[Tt][Rr][Uu][Ee]/, /[Ff][Aa][Ll][Ss][Ee]/)),

    // Every error literal except `#REF!`, which is its own token because it can also
    // stand where a sheet name goes (`#REF!A1`) or where a reference goes (`Sheet1!#REF!`).
    error: _ => token(/#([Nn][Uu][Ll][Ll]!|[Dd][Ii][Vv]\/0!|[Vv][Aa][Ll][Uu][Ee]!|[Nn][Aa][Mm][Ee]\?|[Nn][Uu][Mm]!|[Nn]\/[Aa]|[Gg][Ee][Tt][Tt][Ii][Nn][Gg]_[Dd][Aa][Tt][Aa]|[Ss][Pp][Ii][Ll][Ll]!|[Cc][Aa][Ll][Cc]!)/),

    ref_error: _ => token(/#[Rr][Ee][Ff]!/),

    // `{1,2;3,4}`: rows separated by `;`, columns by `,`; only scalar constants.
    array: $ => seq('{', sep1($.array_row, ';'), '}'),
    array_row: $ => sep1($._array_element, ','),
    _array_element: $ => choice(
      $.number,
      $.negative_number,
      $.string,
      $.boolean,
      $.error,
      $.ref_error,
    ),
    // `{-1}`, `{+1}`: a sign is part of an array constant, not an operator.
    negative_number: $ => seq(choice('-', '+'), $.number),

    // ---------------------------------------------------------------- references

    // `A1`, `$A$1`, `A$1`, `$A1`: up to 3 letters and 7 digits (row 0 is excluded;
    // range limits are checked by the AST conversion). Declared before `name`.
    cell: _ => token(/\$?[A-Za-z]{1,3}\$?[1-9][0-9]{0,6}/),

    // Whole columns `A:C`, `$A:$A`.
    column_range: _ => token(/\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}/),

    // Whole rows `3:5`, `$47:$47`.
    row_range: _ => token(/\$?[0-9]{1,7}:\$?[0-9]{1,7}/),

    // The sheet part of a reference, INCLUDING the `!`:
    //   Sheet1!   Sheet1:Sheet3!   'My Sheet'!   'It''s'!   'Jan:Mar'!
    //   [1]Sheet1!   '[1]My Sheet'!   [1]!   'C:\dir\[Book.xlsx]Sheet1'!
    sheet_prefix: _ => token(choice(
      seq(
        optional(/\[[^\]\r\n]+\]/),
        SHEET_START, repeat(SHEET_CHAR),
        optional(seq(':', SHEET_START, repeat(SHEET_CHAR))),
        '!',
      ),
      seq(/\[[^\]\r\n]+\]/, '!'),
      seq("'", repeat1(choice(/[^']/, "''")), "'!"),
    )),

    // A defined name, a table name or a LET/LAMBDA parameter (`_xlpm.x`).
    name: _ => token(seq(NAME_START, repeat(NAME_CHAR))),

    // `Sheet1!A1`, `Sheet1!A:A`, `Sheet1!MyName`, `Sheet1!#REF!`, `#REF!A1`.
    prefixed_reference: $ => seq(
      field('sheet', choice($.sheet_prefix, $.ref_error)),
      field('target', choice($.cell, $.column_range, $.row_range, $.name, $.ref_error)),
    ),

    // ------------------------------------------------------ structured references

    // `Table1[Col]`, `Table1[]`, `Table1[#All]`, `Table1[[#Headers],[A]:[B]]`,
    // `[@Col]`, `Table1[@[Col With Space]]`, `[@]`.
    structured_reference: $ => seq(
      optional(field('table', $.name)),
      '[',
      optional(choice(
        $.column_name,
        $.item,
        $.this_row,
        sep1(choice($.bracketed_item, $.bracketed_column, $.column_span), ','),
      )),
      ']',
    ),

    // `#All`, `#Data`, `#Headers`, `#Totals`, `#This Row` (case-insensitive).
    item: _ => token(/#([Aa][Ll][Ll]|[Dd][Aa][Tt][Aa]|[Hh][Ee][Aa][Dd][Ee][Rr][Ss]|[Tt][Oo][Tt][Aa][Ll][Ss]|[Tt][Hh][Ii][Ss] [Rr][Oo][Ww])/),

    // A column name as written between brackets: `'` escapes the next character
    // (`'[`, `']`, `'#`, `''`, `'@`); inner spaces are part of the name.
    column_name: _ => token(seq(
      choice(/[^\[\]'#@ \t\r\n]/, /'./),
      repeat(choice(/[^\[\]']/, /'./)),
    )),

    bracketed_item: $ => seq('[', $.item, ']'),
    bracketed_column: $ => seq('[', $.column_name, ']'),
    column_span: $ => seq($.bracketed_column, ':', $.bracketed_column),

    // `@`, `@Col`, `@[Col]`, `@[A]:[B]`.
    this_row: $ => seq('@', optional(choice($.column_name, $.bracketed_column, $.column_span))),

    // ---------------------------------------------------------------- calls

    // The name token includes the `(`. Prefixes (`_xlfn.`, `_xlws.`) are kept in the token.
    function_name: _ => token(seq(NAME_START, repeat(NAME_CHAR), '(')),

    call: $ => seq(field('function', $.function_name), optional($.arguments), ')'),

    // `LAMBDA(x,x+1)(2)`: calling the value of a call or parenthesized expression.
    invoke: $ => prec(PREC.INVOKE, seq(
      field('callee', choice($.call, $.invoke, $.parenthesized)),
      '(', optional($.arguments), ')',
    )),

    // One argument, or a comma-separated list in which any argument may be omitted
    // (`IF(A1,,2)`, `f(,)`). `f()` has no `arguments` node at all.
    arguments: $ => choice(
      $._expression,
      seq(optional($._expression), repeat1(seq(',', optional($._expression)))),
    ),

    // ---------------------------------------------------------------- operators

    parenthesized: $ => seq('(', choice($._expression, $.union), ')'),

    // `(A1,B2,C3)`: only directly inside parentheses.
    union: $ => seq($._expression, repeat1(seq(',', $._expression))),

    unary: $ => prec(PREC.PREFIX, seq(
      field('operator', choice('-', '+', '@')),
      field('operand', $._expression),
    )),

    percent: $ => prec(PREC.PERCENT, seq(field('operand', $._expression), '%')),

    spill: $ => prec(PREC.SPILL, seq(field('operand', $._expression), '#')),

    range: $ => prec.left(PREC.RANGE, seq(
      field('left', $._expression), ':', field('right', $._expression),
    )),

    intersection: $ => prec.left(PREC.INTERSECT, seq(
      field('left', $._expression), $._intersect, field('right', $._expression),
    )),

    binary: $ => choice(
      ...[
        ['^', PREC.POW],
        ['*', PREC.MUL],
        ['/', PREC.MUL],
        ['+', PREC.ADD],
        ['-', PREC.ADD],
        ['&', PREC.CONCAT],
        ['=', PREC.COMPARE],
        ['<>', PREC.COMPARE],
        ['<=', PREC.COMPARE],
        ['>=', PREC.COMPARE],
        ['<', PREC.COMPARE],
        ['>', PREC.COMPARE],
      ].map(([op, p]) => prec.left(p, seq(
        field('left', $._expression),
        field('operator', op),
        field('right', $._expression),
      ))),
    ),
  },
});

function sep1(rule, separator) {
  return seq(rule, repeat(seq(separator, rule)));
}
