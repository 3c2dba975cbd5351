/**
 * Measuring helpers shared by the benchmarks: latency samples, the event loop's worst block,
 * medians of repeated runs, and an aligned text table.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Latency samples in ms; percentiles by sorting once at the end. */
export class Latencies {
  private samples: Float64Array;
  private count = 0;

  constructor(expected = 1024) {
    this.samples = new Float64Array(expected);
  }

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  /** p in 0-100; NaN when empty. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.samples.slice(0, this.count).sort();
    return ps.map((p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!));
  }
}

/**
 * How late a 1 ms timer ran while a case was running: `maxMs` is the longest the event loop was
 * blocked (give or take the 1 ms resolution).
 */
export class LoopBlock {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): { maxMs: number; p99Ms: number } {
    this.histogram.disable();
    return { maxMs: this.histogram.max / 1e6, p99Ms: this.histogram.percentile(99) / 1e6 };
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds for display: no decimals from 100 up, two significant-ish below. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Prints rows as a table with aligned columns; numeric-looking cells are right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = /^[-\d.,/ %≥≤×()–]+$/;
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.test(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
