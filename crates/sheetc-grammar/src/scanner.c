// External scanner for the Excel formula grammar.
//
// Excel's intersection operator is a space between two references (`A1:B2 B1:C3`), but
// spaces are insignificant everywhere else (`1 + 2`, `SUM( A1 , B2 )`). A regular token
// cannot say "whitespace, but only when an operand follows", so this scanner does it:
// when the parser can accept an intersection here, it consumes the run of blanks and
// emits `_intersect` if the next character can begin a reference operand. Otherwise it
// returns false and the blanks are skipped as ordinary extras.

#include "tree_sitter/parser.h"

#include <stdbool.h>

enum TokenType {
  INTERSECT,
  ERROR_SENTINEL,
};

void *tree_sitter_excel_formula_external_scanner_create(void) { return NULL; }
void tree_sitter_excel_formula_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_excel_formula_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_excel_formula_external_scanner_deserialize(void *payload, const char *buffer,
                                                            unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static bool is_blank(int32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0;
}

// Characters that can begin an operand of the intersection: a cell, name, column or row
// range, sheet prefix, structured reference, parenthesized reference, `#REF!`, `@x`.
// `-` and `+` are NOT included, so `A1 -B1` stays a subtraction.
static bool starts_operand(int32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '$' || c == '_' || c == '\\' || c == '\'' || c == '(' || c == '[' ||
         c == '#' || c == '@' || c >= 0x80;
}

bool tree_sitter_excel_formula_external_scanner_scan(void *payload, TSLexer *lexer,
                                                     const bool *valid_symbols) {
  (void)payload;
  if (valid_symbols[ERROR_SENTINEL] || !valid_symbols[INTERSECT]) return false;
  if (!is_blank(lexer->lookahead)) return false;
  while (is_blank(lexer->lookahead)) lexer->advance(lexer, false);
  lexer->mark_end(lexer);
  if (lexer->eof(lexer) || !starts_operand(lexer->lookahead)) return false;
  lexer->result_symbol = INTERSECT;
  return true;
}
