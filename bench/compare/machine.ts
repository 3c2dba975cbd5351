/**
 * The machine a benchmark ran on, for its JSON record and the README: CPUs, memory, node, kernel,
 * the filesystem of the temp dir (where every broker and Redis keeps its files) and how long an
 * fdatasync takes there (the floor under every durable write).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, version as kernelVersion } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../measure.js';
import { ROOT } from '../processes.js';

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  tmpdir: string;
  tmpdirFilesystem: string;
  /** Overwrite 4 KiB then fdatasync, 200 times in tmpdir: median and max, ms. */
  fdatasyncMs: { p50: number; max: number };
  /** 1, 5 and 15 minute load averages when the run started: the machine is shared. */
  loadAverage: number[];
  spoolCommit: string;
  /** Files changed since that commit when the run started (the figures are of the working tree). */
  spoolUncommittedFiles: number;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    kernel: `${release()} (${kernelVersion()})`,
    tmpdir: tmpdir(),
    tmpdirFilesystem: filesystemOf(tmpdir()),
    fdatasyncMs: probeFdatasync(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    spoolCommit: git(['rev-parse', '--short', 'HEAD']),
    spoolUncommittedFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
  };
}

/** One line for a table's caption. */
export function machineLine(m: Machine): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Linux ${m.kernel.split(' ')[0]}, node ${m.node}, ${m.tmpdirFilesystem} (fdatasync 4 KiB p50 ${m.fdatasyncMs.p50.toFixed(2)} ms), load average ${m.loadAverage.join(' ')}`;
}

function probeFdatasync(): { p50: number; max: number } {
  const dir = mkdtempSync(join(tmpdir(), 'spool-bench-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, block, 0, block.length, 0);
      const t = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return { p50: median(samples), max: Math.max(...samples) };
}

/** "<fstype> on <device>" for the mount that holds `path`, from /proc/mounts. */
function filesystemOf(path: string): string {
  try {
    let best = { mount: '', text: 'unknown' };
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [device, mount, type] = line.split(' ');
      if (!device || !mount || !type) continue;
      const inside = path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
      if (inside && mount.length >= best.mount.length) best = { mount, text: `${type} on ${device}` };
    }
    return best.text;
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
