/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
 * self time per file, and the functions with the most inclusive time (self plus callees).
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/engine.ts --mode=fsync --case=lifecycle --runs=1
 *   node --import tsx bench/profile-summary.ts prof/<file>.cpuprofile [top=25]
 *
 * With tsx, each thread writes its own profile; the main thread's is the largest.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fmt, printTable } from './measure.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node: each sample's delta goes to the node that was on top of the stack.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

function fileOf(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}

function key(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'}  ${fileOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

const selfByFn = new Map<string, number>();
const selfByFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  selfByFn.set(key(n), (selfByFn.get(key(n)) ?? 0) + us);
  const f = n.callFrame.url === '' ? n.callFrame.functionName : fileOf(n.callFrame.url);
  selfByFile.set(f, (selfByFile.get(f) ?? 0) + us);
}

// Inclusive time per function: each sample counts once for every distinct function on its stack.
const inclusiveByFn = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusiveByFn.set(k, (inclusiveByFn.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
});

const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
const rows = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => [fmt(us / 1000), pct(us), k]);

console.log(`${file}: ${fmt(totalUs / 1000)} ms profiled, ${profile.samples.length} samples\n`);
console.log('Self time by function');
printTable(['ms', '%', 'function  file:line'], rows(selfByFn, top));
console.log('\nSelf time by file (native functions by name)');
printTable(['ms', '%', 'file'], rows(selfByFile, Math.min(top, 20)));
console.log('\nInclusive time by function');
printTable(['ms', '%', 'function  file:line'], rows(inclusiveByFn, top));
