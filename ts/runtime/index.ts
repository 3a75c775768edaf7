/**
 * The Excel runtime: copied into every compiled engine as `runtime.js`, so engines run
 * with plain Node or in a browser, without sheetc installed. Generated modules import
 * it as `../runtime.js`.
 */
export * from './values.js';
export * from './coerce.js';
export * from './ops.js';
export { lineSlot, lineValues } from './lines.js';
export { nedate, neomonth } from './functions/date-time/dates.js';
export * from './aggregate.js';
export * from './address.js';
export { Sheet, cellNumber, windowSum } from './store.js';
export { F, define, defineFn, etaLambda, functionFacts, functionSpec, supportedFunctions, type FunctionFacts, type FunctionSpec, type ParamKind } from './registry.js';
export * from './engine.js';
export * from './errors.js';
export { dateToSerialValue, serialToDate, MAX_RANGE_CELLS } from './inputs.js';
export { displayText, numberText } from './display.js';
export * from './special.js';
export { udf, type UserFunction, type UserFunctionArgument, type UserFunctionValue } from './udf.js';
export { indexMatch, indexValue, xlookupValue } from './functions/lookup/lookup.js';
import './functions/index.js';
