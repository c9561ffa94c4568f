/**
 * Peer benchmark suite: this library next to BentoCache and cache-manager (v7, Keyv 5,
 * `@keyv/redis`) on the same workloads, in one run, against one private redis-server.
 *
 * Each workload (`memory`, `redis`, `stampede`, `tiered`, `hit-ratio`) runs in its own
 * forked process (`child.ts`), all three libraries side by side inside it, interleaved
 * (see each workload's header for its method). This process starts the server, prints
 * one table per workload, and writes every figure with the machine description to
 * `docs/bench/results/peers.json`, from which `charts.ts` draws `docs/charts/*.svg`.
 *
 * `pnpm --filter @cache/docs bench:peers` (all; writes the JSON), or name workloads to
 * run a subset (printed only): `… bench:peers redis stampede`.
 *
 * @packageDocumentation
 */

import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { environmentLine, printTable, type TableRow } from '../harness.js';
import { privateRedis } from '../private-server.js';
import { figureName, formatValue, type PeersReport, type WorkloadResult } from './figures.js';
import { versions } from './libraries.js';

const WORKLOADS = ['memory', 'redis', 'stampede', 'tiered', 'hit-ratio'] as const;
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown workload(s) ${unknown.join(', ')}; choose from ${WORKLOADS.join(', ')}\n`);
  process.exit(1);
}
const selected = chosen.length === 0 ? [...WORKLOADS] : WORKLOADS.filter((name) => chosen.includes(name));

const started = performance.now();
const { url, server } = await privateRedis();
const prefix = `peers-${process.pid}`;
process.stdout.write(
  `peer suite · ${environmentLine()} · redis ${server === undefined ? `${url} (shared)` : 'private'}\n`,
);

/** Runs one workload in a fresh process and resolves what it reports. */
function runWorkload(name: string): Promise<WorkloadResult> {
  const child = fork(fileURLToPath(new URL('./child.ts', import.meta.url)), [name], {
    // process.execArgv carries tsx's loader; --expose-gc lets a workload collect between rounds.
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, PEERS_REDIS_URL: url, PEERS_PREFIX: prefix },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: WorkloadResult | undefined;
    child.once('message', (message: WorkloadResult) => {
      result = message;
    });
    child.once('exit', (code, signal) =>
      result === undefined ? reject(new Error(`${name} exited with ${code ?? signal}`)) : resolve(result),
    );
  });
}

function print(result: WorkloadResult): void {
  const rows: TableRow[] = [];
  for (const measure of result.measures) {
    for (const [i, figure] of measure.figures.entries()) {
      rows.push({
        measure: i === 0 ? measure.label : '',
        library: figureName(figure),
        value: `${formatValue(figure.value)} ${measure.unit}`,
        range: figure.low === figure.high ? '' : `${formatValue(figure.low)}–${formatValue(figure.high)}`,
        'vs ours': figure.vsOurs === undefined ? '' : `${formatValue(figure.vsOurs)}×`,
      });
    }
  }
  printTable(`${result.title} · ${result.seconds.toFixed(1)} s`, rows);
  for (const measure of result.measures)
    process.stdout.write(`  range of "${measure.label}": ${measure.range}\n`);
  for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
}

const results: WorkloadResult[] = [];
try {
  for (const name of selected) {
    const result = await runWorkload(name);
    results.push(result);
    print(result);
  }
} finally {
  await server?.stop();
}

const seconds = (performance.now() - started) / 1000;
process.stdout.write(`\npeer suite: ${seconds.toFixed(1)} s\n`);
if (selected.length === WORKLOADS.length) {
  const cpuList = cpus();
  const report: PeersReport = {
    generatedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
      cores: cpuList.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverage: loadavg()
        .map((load) => load.toFixed(2))
        .join(' '),
      summary: `${environmentLine()} · ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} free)`,
    },
    versions: versions(),
    redis: server === undefined ? 'shared server' : 'private redis-server on loopback',
    workloads: results,
    seconds,
  };
  const out = new URL('../results/peers.json', import.meta.url);
  mkdirSync(new URL('.', out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${fileURLToPath(out)} (charts: pnpm --filter @cache/docs bench:charts)\n`);
} else {
  process.stdout.write('partial run: results/peers.json not written\n');
}
