/**
 * Draws the peer suite's figures (`results/peers.json`, written by `peers/run.ts`) as
 * one SVG bar chart per workload into `docs/charts/<workload>.svg`: horizontal bars
 * (the median) with whiskers (the measure's stated range), grouped by measure, one
 * colour per library, every bar labelled with its value, unit and ratio to ours.
 * Measures of one unit share a panel and a linear scale from 0. White background and
 * dark text, so a chart reads the same on a light or a dark page.
 *
 * Hand-written SVG: no browser, no dependency. `pnpm --filter @cache/docs bench:charts`.
 *
 * @packageDocumentation
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Figure,
  figureName,
  formatValue,
  type LibraryId,
  type Measure,
  type PeersReport,
  type WorkloadResult,
} from './peers/figures.js';

const COLOURS: Readonly<Record<LibraryId, string>> = {
  cache: '#2563eb',
  bentocache: '#d9480f',
  'cache-manager': '#2f9e44',
  optimum: '#868e96',
};
const WIDTH = 820;
const MARGIN = 20;
const BAR = 14;
const ROW = 20;
const TEXT = '#1f2937';
const MUTED = '#4b5563';
/** Rough width of one character at 12 px in a sans-serif font, for layout only. */
const CHAR = 6.6;

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${xml(content)}</text>`;
}

/** Measures in panels: one per unit, in order of first appearance. */
function panels(workload: WorkloadResult): Measure[][] {
  const byUnit = new Map<string, Measure[]>();
  for (const measure of workload.measures) {
    const list = byUnit.get(measure.unit) ?? [];
    list.push(measure);
    byUnit.set(measure.unit, list);
  }
  return [...byUnit.values()];
}

/** `value unit`, with a plural unit made singular for exactly 1 ("1 factory call"). */
function withUnit(value: number, unit: string): string {
  const singular = value === 1 && /^[a-z ]{3,}s$/i.test(unit) ? unit.slice(0, -1) : unit;
  return `${formatValue(value)} ${singular}`;
}

function barLabel(figure: Figure, unit: string): string {
  const ratio =
    figure.vsOurs === undefined || figure.library === 'cache' ? '' : ` · ${formatValue(figure.vsOurs)}× ours`;
  return `${withUnit(figure.value, unit)}${ratio}`;
}

/** The SVG of one workload's chart. */
function chart(workload: WorkloadResult, report: PeersReport): string {
  const names = workload.measures.flatMap((measure) => measure.figures.map(figureName));
  const labelWidth = Math.max(120, Math.max(...names.map((name) => name.length)) * CHAR + 14);
  const valueRoom = 190;
  const x0 = MARGIN + labelWidth;
  const barWidth = WIDTH - x0 - MARGIN - valueRoom;
  const out: string[] = [];
  let y = MARGIN + 16;
  out.push(text(MARGIN, y, workload.title, `font-size="16" font-weight="600" fill="${TEXT}"`));
  y += 18;
  const versions = report.versions;
  const { machine } = report;
  const subtitles = [
    `@cache ${versions['@cache/core']} · BentoCache ${versions.bentocache} · cache-manager ${versions['cache-manager']} ` +
      `(keyv ${versions.keyv}, @keyv/redis ${versions['@keyv/redis']}) · ioredis ${versions.ioredis}`,
    `node ${machine.node.replace(/^v/, '')} · ${machine.platform} · ${machine.cpu} × ${machine.cores} · ` +
      `load ${machine.loadAverage} · ${report.redis} · ${report.generatedAt.slice(0, 10)}`,
  ];
  for (const line of subtitles) {
    out.push(text(MARGIN, y, line, `font-size="11" fill="${MUTED}"`));
    y += 15;
  }
  // Legend: the libraries this chart shows.
  y += 8;
  let lx = MARGIN;
  const shown = [...new Set(workload.measures.flatMap((measure) => measure.figures.map((f) => f.library)))];
  for (const library of shown) {
    const name = figureName({ library, value: 0, low: 0, high: 0 });
    out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" rx="2" fill="${COLOURS[library]}"/>`);
    out.push(text(lx + 17, y, name, `font-size="12" fill="${TEXT}"`));
    lx += 17 + name.length * CHAR + 22;
  }
  const hasVariants = workload.measures.some((measure) => measure.figures.some((f) => f.variant));
  if (hasVariants) {
    out.push(
      `<rect x="${lx}" y="${y - 10}" width="12" height="12" rx="2" fill="${MUTED}" fill-opacity="0.45" stroke="${MUTED}" stroke-dasharray="2 2"/>`,
    );
    out.push(text(lx + 17, y, 'non-default setting', `font-size="12" fill="${TEXT}"`));
  }
  y += 10;

  for (const panel of panels(workload)) {
    const unit = (panel[0] as Measure).unit;
    const better = (panel[0] as Measure).better;
    const max = Math.max(
      ...panel.flatMap((measure) => measure.figures.map((f) => Math.max(f.high, f.value))),
    );
    const scale = (value: number) => (max > 0 ? (value / max) * barWidth : 0);
    y += 24;
    out.push(
      text(MARGIN, y, `${unit} — ${better} is better`, `font-size="13" font-weight="600" fill="${TEXT}"`),
    );
    const top = y + 6;
    for (const measure of panel) {
      y += 20;
      out.push(
        text(MARGIN, y, measure.group ?? measure.label, `font-size="12" font-weight="600" fill="${TEXT}"`),
      );
      y += 6;
      for (const figure of measure.figures) {
        const colour = COLOURS[figure.library];
        const variant = figure.variant !== undefined;
        const width = Math.max(scale(figure.value), 1);
        out.push(
          text(x0 - 8, y + BAR - 3, figureName(figure), `font-size="12" text-anchor="end" fill="${TEXT}"`),
        );
        out.push(
          `<rect x="${x0}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" rx="2" fill="${colour}"${variant ? ` fill-opacity="0.45" stroke="${colour}" stroke-dasharray="3 2"` : ''}/>`,
        );
        let end = x0 + width;
        if (figure.high > figure.low) {
          const mid = y + BAR / 2;
          const [a, b] = [x0 + scale(figure.low), x0 + scale(figure.high)];
          out.push(
            `<path d="M${a.toFixed(1)} ${mid}H${b.toFixed(1)}M${a.toFixed(1)} ${mid - 4}V${mid + 4}M${b.toFixed(1)} ${mid - 4}V${mid + 4}" stroke="${TEXT}" stroke-width="1.2" fill="none"/>`,
          );
          end = Math.max(end, b);
        }
        out.push(text(end + 6, y + BAR - 3, barLabel(figure, unit), `font-size="12" fill="${TEXT}"`));
        y += ROW;
      }
    }
    out.push(`<path d="M${x0} ${top}V${y}" stroke="${MUTED}" stroke-width="1"/>`);
    const ranges = [...new Set(panel.map((measure) => measure.range))].join('; ');
    y += 12;
    out.push(text(MARGIN, y, `bars: median · whiskers: ${ranges}`, `font-size="11" fill="${MUTED}"`));
  }
  const height = y + MARGIN;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" role="img" aria-label="${xml(workload.title)}">`,
    `<title>${xml(workload.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

const report = JSON.parse(
  readFileSync(new URL('./results/peers.json', import.meta.url), 'utf8'),
) as PeersReport;
const folder = new URL('../charts/', import.meta.url);
mkdirSync(folder, { recursive: true });
for (const workload of report.workloads) {
  const file = new URL(`${workload.id}.svg`, folder);
  writeFileSync(file, chart(workload, report));
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
