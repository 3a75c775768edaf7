/**
 * What-if analysis on a compiled engine: find cells by label, explain a cell, goal seek,
 * sensitivity grids and tornados, scenarios. Open an engine directory with `openModel`,
 * then call the tools on it (goal seek takes any loaded engine). Types in ts/types.ts.
 */
export { openModel, type WhatIfModel } from './model.js';
export { find } from './find.js';
export { explain } from './explain.js';
export { goalSeek, NoSolutionError } from './goal-seek.js';
export { sensitivity, tornado, parseVary, sensitivityPage, labelOfRef } from './sensitivity.js';
export { loadScenarios, saveScenario, runScenarios, diffScenarios } from './scenarios.js';
