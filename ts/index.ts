/**
 * sheetc: compile an Excel workbook into a standalone JavaScript calculation engine.
 *
 * Importing this module does not load the native compiler; `compile()` does, on first use.
 */
export { compile } from './compile.js';
export { SheetcError, EngineError, isSheetcError, type SheetcErrorCode } from './errors.js';
export { SUPPORTED_PLATFORMS, platformKey } from './native.js';
export { loadEngine, type LoadEngineOptions } from './engine-loader.js';
export { verify, type VerifyOptions } from './verify.js';
export type * from './types.js';
export { isExcelError, ExcelError } from './runtime/values.js';
export { dateToSerialValue, serialToDate } from './runtime/inputs.js';
export {
  createPool,
  PoolError,
  type Pool,
  type PoolOptions,
  type PoolRunOptions,
  type PoolRuntime,
  type PoolStats,
  type PoolProgress,
  type PoolErrorCode,
  type PoolValue,
  type Scenario,
  type ScenarioResult,
  type ScenarioFailure,
  type ScenarioErrorInfo,
  type StreamItem,
} from './pool.js';
export { compileMany, type CompileManyOptions, type CompileManyResult } from './compile-many.js';
export {
  openModel,
  find,
  explain,
  goalSeek,
  NoSolutionError,
  sensitivity,
  tornado,
  parseVary,
  sensitivityPage,
  labelOfRef,
  loadScenarios,
  saveScenario,
  runScenarios,
  diffScenarios,
  type WhatIfModel,
} from './whatif/index.js';
export { sensitivityHtml } from './report/sensitivity.js';
