/**
 * Runs the `spool` CLI as a subprocess and collects its output. The CLI is bundled from source once
 * per test file with esbuild (dependencies stay external), which starts much faster than tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repo so that the bundle resolves node_modules; unique per process (test files run in parallel).
const BUNDLE = `${ROOT}node_modules/.cache/spool-test/cli-${process.pid}.mjs`;
let built = false;

function cliBundle(): string {
  if (!built) {
    buildSync({ entryPoints: [`${ROOT}cli/main.ts`], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: BUNDLE, logLevel: 'warning' });
    built = true;
  }
  return BUNDLE;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `spool <args>`; the caller reads or kills the process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [cliBundle(), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `spool <args>` to completion, feeding `stdin` if given. */
export function runCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options.env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(options.stdin ?? '');
  });
}

/** Resolves with the first line of `from` (stdout by default) matching `pattern`. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000, from: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${buffer}`)), timeoutMs);
    child[from]!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}
