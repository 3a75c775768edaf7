/** Colours of the report, shared by the page's legend (HTML) and its canvases (script). */

/** Cell kinds of the heat map, as the build encodes them (report_data.rs). */
export const KINDS = [
  { code: 1, name: 'constant', label: 'constant', color: '#b4c0cc' },
  { code: 2, name: 'formula', label: 'formula', color: '#3478c0' },
  { code: 3, name: 'backfilled', label: "backfilled (Excel's stored value)", color: '#e08a00' },
  { code: 4, name: 'folded', label: 'folded (profile: constant)', color: '#24a095' },
  { code: 5, name: 'dropped', label: 'dropped (profile: outside the cone)', color: '#e3e6ea' },
] as const;

/** Drawn over the cells: differences from Excel, and a profile's inputs and outputs. */
export const OVERLAYS = {
  mismatch: { label: "differs from Excel's stored value", color: '#d1242f' },
  input: { label: 'profile input', color: '#1a7f37' },
  output: { label: 'profile output', color: '#8250df' },
} as const;

export const GRAPH = {
  node: '#dceaf8',
  nodeStroke: '#3478c0',
  cluster: '#fde3e1',
  clusterStroke: '#d1242f',
  edge: '#7d8b99',
  clusterEdge: '#d1242f',
  text: '#1b1f24',
} as const;
