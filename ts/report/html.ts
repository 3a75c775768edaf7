/**
 * The report page: one self-contained HTML document (styles, data and script inline; no
 * network access when viewed). Tables are rendered here, so they show without the
 * script; the script draws the sheet graph and the heat maps on canvases.
 */
import type { ReportModel } from './data.js';
import { sections } from './sections.js';
import { esc } from './text.js';

/**
 * JSON inside `<script type="application/json">`: `<` escaped so no text of the
 * workbook can close the element (`</script>`) or open a comment.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inline script text: a `</script` inside it would end the element early. */
export function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

const CSS = `
:root { color-scheme: light; --text: #1b1f24; --muted: #4f5964; --line: #d5dbe1; --panel: #f5f7f9; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--text); background: #fff; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p { margin: 6px 0; }
a { color: var(--accent); }
code, .formula { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.muted { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 12px 0; padding: 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 0; }
.card dt { font-size: 13px; color: var(--muted); }
.card dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; }
.card dd small { display: block; font-size: 13px; font-weight: 400; color: var(--muted); }
.ok { color: #116329; }
.bad { color: #b3261e; }
.table-wrap { overflow-x: auto; max-height: 560px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; padding: 8px 10px; font-weight: 600; background: var(--panel); caption-side: top; }
th, td { text-align: left; padding: 5px 10px; border-top: 1px solid var(--line); vertical-align: top; }
thead th { position: sticky; top: 0; background: #e9edf1; border-top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.formula { max-width: 520px; overflow-wrap: anywhere; }
mark { background: #ffe08a; color: var(--text); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 6px 0; list-style: none; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 14px; border-radius: 3px; border: 1px solid rgba(0,0,0,.25); display: inline-block; }
.swatch.ring { background: #fff; border-width: 2px; }
.viewer { border: 1px solid var(--line); border-radius: 6px; background: #fff; position: relative; }
.viewer canvas { display: block; width: 100%; cursor: grab; touch-action: none; }
.viewer canvas:focus-visible { outline: 3px solid var(--accent); outline-offset: -3px; }
.graph-wrap { overflow: auto; max-height: 720px; }
.tools { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 6px 8px; border-bottom: 1px solid var(--line); background: var(--panel); font-size: 13px; }
.tools button { font: inherit; padding: 2px 10px; border: 1px solid #8c959f; border-radius: 4px; background: #fff; color: var(--text); cursor: pointer; }
.tools button:hover { background: #eef2f5; }
.tools output { margin-left: auto; color: var(--muted); }
figure { margin: 8px 0 16px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; padding-bottom: 30px; font-size: 13px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 10px; }
`;

/** A self-contained page: the report's styles (plus `css`) and `body`, already HTML. */
export function htmlDocument(title: string, body: string, css = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sheetc">
<title>${esc(title)}</title>
<style>${CSS}${css}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The whole document. `script` is the page's bundled script. */
export function renderHtml(model: ReportModel, script: string): string {
  return htmlDocument(
    `sheetc report: ${model.workbook}`,
    `${sections(model)}
<script type="application/json" id="report-data">${scriptJson(model.page)}</script>
<script>${inlineScript(script)}</script>`,
  );
}
