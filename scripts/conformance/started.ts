/** The line a conformance worker prints once loaded: its workbook's time limit starts then. */
export const STARTED = 'sheetc-conformance-worker-started';

/** How long a worker may take to start (Node plus tsx) before it counts as a crash. */
export const START_LIMIT_MS = 120_000;
