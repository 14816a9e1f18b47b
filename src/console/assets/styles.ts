// The console's one stylesheet, served from /console/assets/console.css (the CSP allows no inline styles).
// Colours meet WCAG AA contrast on their backgrounds; focus is always visible.
export const CONSOLE_CSS = `
:root { --ink: #1b1f24; --muted: #4d5562; --line: #d6dae0; --bg: #f5f6f8; --card: #fff; --brand: #1d4ed8;
  --brand-ink: #fff; --danger: #b42318; --warn-bg: #fff4e5; --warn: #7a3e00; --ok: #0a6b3d; --focus: #f59e0b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--brand); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1.5rem; background: #111827; color: #fff; }
header.top .brand { font-weight: 700; letter-spacing: .02em; color: #fff; text-decoration: none; }
header.top .who { margin-left: auto; font-size: .9rem; color: #e5e7eb; display: flex; gap: .75rem; align-items: center; }
nav.main ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
nav.main a { color: #e5e7eb; text-decoration: none; padding: .35rem .7rem; border-radius: 6px; display: inline-block; }
nav.main a[aria-current="page"] { background: #374151; color: #fff; }
main { max-width: 1320px; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
.narrow { max-width: 460px; margin: 3rem auto; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 10px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
form.inline { display: inline; }
.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .25rem; }
.field { margin-bottom: .75rem; }
.hint { color: var(--muted); font-size: .85rem; font-weight: 400; }
input[type=text], input[type=email], input[type=date], input[type=number], select { font: inherit; padding: .45rem .6rem; border: 1px solid #8a94a3; border-radius: 6px; min-width: 12rem; background: #fff; color: var(--ink); }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .75rem; }
fieldset label { display: inline-flex; gap: .3rem; font-weight: 400; margin-right: 1rem; }
button, .button { font: inherit; font-weight: 600; border: 1px solid var(--brand); background: var(--brand); color: var(--brand-ink); padding: .45rem .9rem; border-radius: 6px; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
.notice { border-left: 4px solid var(--brand); background: #eef2ff; padding: .75rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
.warning { border-left: 4px solid #d97706; background: var(--warn-bg); color: var(--warn); padding: .75rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
.error { border-left: 4px solid var(--danger); background: #fdecea; color: #7a1a12; padding: .75rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
.secret { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.secret output { font-family: ui-monospace, monospace; background: #111827; color: #f9fafb; padding: .6rem .8rem; border-radius: 6px; word-break: break-all; }
.badge { display: inline-block; font-size: .75rem; padding: .1rem .45rem; border-radius: 999px; background: #e5e7eb; color: #1f2937; }
.badge.live { background: #fde68a; color: #78350f; }
.badge.revoked { background: #fee2e2; color: #7f1d1d; }
.badge.old { background: #ffedd5; color: #7c2d12; }
.tabs { display: flex; gap: .5rem; margin-bottom: 1rem; }
.tabs a { padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; text-decoration: none; background: #fff; }
.tabs a[aria-current="page"] { background: var(--brand); color: #fff; border-color: var(--brand); }
.codes { columns: 2; font-family: ui-monospace, monospace; font-size: 1.05rem; }
.qr svg { width: 220px; height: 220px; }
.chart { width: 100%; height: auto; display: block; }
.chart-figure { margin: 1rem 0 1.5rem; } .chart-figure h3 { font-size: 1rem; margin: 0 0 .25rem; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 .5rem; padding: 0; font-size: .85rem; color: var(--muted); }
.legend li { display: inline-flex; align-items: center; gap: .4rem; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; background: #3b82f6; }
.swatch.err { background: #dc2626; } .swatch.line { background: #7c3aed; height: 4px; }
.chart .axis-label { font-size: 13px; font-weight: 600; }
.chart .bar { fill: #3b82f6; } .chart .bar.err { fill: #dc2626; } .chart .axis { stroke: #6b7280; stroke-width: 1; }
.chart .line { fill: none; stroke: #7c3aed; stroke-width: 2; } .chart .dot { fill: #7c3aed; } .chart text { font-size: 11px; fill: #374151; }
table.audit .time { white-space: nowrap; } .wrap { overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.actions form.roll { display: inline-flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
.actions form.roll label { margin: 0; } .actions select { min-width: 0; }
label.check { display: inline-flex; gap: .4rem; align-items: center; font-weight: 400; }
details[open] summary { margin-bottom: .5rem; }
.pager { display: flex; justify-content: space-between; margin-top: .75rem; }
footer { text-align: center; color: var(--muted); font-size: .8rem; margin: 2rem 0; }
@media (max-width: 640px) { header.top { padding: .75rem; } main { padding: 0 .5rem; } input[type=text], input[type=email], select { min-width: 0; width: 100%; }
  /* Tables become one card per row on a phone, so every action is reachable without sideways scrolling. */
  table.stack thead { position: absolute; left: -9999px; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border-bottom: 2px solid var(--line); padding: .4rem 0; }
  table.stack td { border: 0; padding: .25rem .6rem; overflow-wrap: anywhere; }
  table.stack td[data-label]::before { content: attr(data-label); display: block; font-size: .75rem; font-weight: 600; color: var(--muted); }
  .actions form.roll select { width: auto; } }
`;
