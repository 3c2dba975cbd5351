/**
 * The comparison's tables: each figure's median with its min–max per system, and each Spool
 * figure as a ratio to each peer (Spool ÷ peer) beside issue 5's target. Also as Markdown, for the
 * README.
 */
import { fmt, median } from '../measure.js';
import type { SystemName } from './ipc.js';

export type CaseName = 'enqueue-seq' | 'enqueue-bulk' | 'drain-1' | 'drain-50' | 'latency';
export const CASE_NAMES: CaseName[] = ['enqueue-seq', 'enqueue-bulk', 'drain-1', 'drain-50', 'latency'];

/** One run of one case on one system, as recorded in the JSON file. */
export interface RawRun {
  run: number;
  case: CaseName;
  system: SystemName;
  /** rate (jobs/s) for enqueue and drain; p50, p99, max (ms) for latency. */
  figures: Record<string, number>;
  /** CPU of the broker or redis-server during the timed part, ms; its RSS at the end, bytes. */
  serverCpuMs: number;
  serverRssBytes: number;
  producerCpuMs: number | null;
  workerCpuMs: number | null;
  wallMs: number;
}

export interface Row {
  case: CaseName;
  figure: string;
  label: string;
  /** The label in the ratio table. */
  short: string;
  lowerIsBetter: boolean;
  /** Issue 5's target for Spool (fsync), as text, by peer. */
  target: Partial<Record<SystemName, string>>;
}

export function rowsFor(count: number, rate: number, seconds: number, latencyConcurrency: number): Row[] {
  const n = count.toLocaleString('en-US');
  return [
    { case: 'enqueue-seq', figure: 'rate', label: `enqueue ${n}, awaited one by one (jobs/s)`, short: 'enqueue one by one', lowerIsBetter: false, target: { bullmq: '≥ 1.0' } },
    { case: 'enqueue-bulk', figure: 'rate', label: `enqueue ${n} in bulk (jobs/s)`, short: 'enqueue in bulk', lowerIsBetter: false, target: { bullmq: '≥ 3.0', 'bee-queue': '≥ 1.0' } },
    { case: 'drain-1', figure: 'rate', label: `drain ${n}, worker concurrency 1 (jobs/s)`, short: 'drain, concurrency 1', lowerIsBetter: false, target: { bullmq: '≥ 2.0' } },
    { case: 'drain-50', figure: 'rate', label: `drain ${n}, worker concurrency 50 (jobs/s)`, short: 'drain, concurrency 50', lowerIsBetter: false, target: { bullmq: '≥ 2.0' } },
    { case: 'latency', figure: 'p50', label: `add→start latency p50 (ms), ${rate}/s for ${seconds} s, concurrency ${latencyConcurrency}`, short: 'latency p50', lowerIsBetter: true, target: { 'bee-queue': '≤ 1.0' } },
    { case: 'latency', figure: 'p99', label: 'add→start latency p99 (ms)', short: 'latency p99', lowerIsBetter: true, target: { 'bee-queue': '≤ 1.0' } },
    { case: 'latency', figure: 'max', label: 'add→start latency max (ms)', short: 'latency max', lowerIsBetter: true, target: {} },
  ];
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(raw: RawRun[], system: SystemName, row: Row): Summary | null {
  const values = raw.filter((r) => r.system === system && r.case === row.case).map((r) => r.figures[row.figure]!);
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

const cell = (s: Summary | null): string => (s === null ? '' : s.runs > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median));
const ratioText = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '');

export const SPOOL_SYSTEMS: SystemName[] = ['spool', 'spool-process'];
export const PEERS: SystemName[] = ['bullmq', 'bee-queue'];

export interface Tables {
  figures: { header: string[]; rows: string[][] };
  ratios: { header: string[]; rows: string[][] };
  /** ratios[case.figure][`${spool}/${peer}`] = Spool median ÷ peer median. */
  ratioValues: Record<string, Record<string, number>>;
}

export function buildTables(raw: RawRun[], rows: Row[], systems: SystemName[], labels: Record<SystemName, string>): Tables {
  const figures = {
    header: ['case', ...systems.map((s) => `${labels[s]}: median (min–max)`)],
    rows: rows.map((row) => [row.label, ...systems.map((s) => cell(summarize(raw, s, row)))]),
  };
  const spools = SPOOL_SYSTEMS.filter((s) => systems.includes(s));
  const peers = PEERS.filter((s) => systems.includes(s));
  const pairs = spools.flatMap((s) => peers.map((p) => [s, p] as const));
  const ratioValues: Tables['ratioValues'] = {};
  const ratioRows = rows.map((row) => {
    const values: Record<string, number> = {};
    const cells = pairs.map(([s, p]) => {
      const r = (summarize(raw, s, row)?.median ?? NaN) / (summarize(raw, p, row)?.median ?? NaN);
      values[`${s}/${p}`] = r;
      return ratioText(r);
    });
    ratioValues[`${row.case}.${row.figure}`] = values;
    const target = peers
      .filter((p) => row.target[p])
      .map((p) => `${row.target[p]} ${labels[p].split(' ')[0]}`)
      .join(', ');
    return [row.short, row.lowerIsBetter ? 'lower' : 'higher', ...cells, target];
  });
  const ratios = {
    header: ['case (Spool ÷ peer)', 'better', ...pairs.map(([s, p]) => `${labels[s].replace(/^Spool /, '')} ÷ ${labels[p].split(' ')[0]}`), 'target (fsync)'],
    rows: ratioRows,
  };
  return { figures, ratios, ratioValues };
}

export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
