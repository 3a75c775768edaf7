/**
 * The typed errors of sheetc's API and CLI. One hierarchy with the engines' errors: the
 * classes live in the runtime (copied into every engine) and are re-exported here. `code`
 * is stable; match on it, or with `instanceof`, which holds across runtime copies.
 */
export { SheetcError, EngineError, isSheetcError, type SheetcErrorCode } from './runtime/errors.js';
