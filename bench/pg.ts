/**
 * PostgreSQL benchmark (issue 6): the task benchmark's drain on Spool's PostgreSQL store with one
 * broker and with two, and the same drain on pg-boss and graphile-worker, all on one throwaway
 * PostgreSQL cluster that this script starts (test/helpers/postgres.ts, with fsync and
 * full_page_writes on, as in production) and removes at the end.
 *
 *   npm run bench:pg                                  3,000 tasks (pg-boss: 1,000), 1 run each
 *   npm run bench:pg -- --tasks=10000 --runs=3 --baseline-tasks=2000
 *
 * Cases, each on a fresh database, interleaved run by run:
 * - spool-1: `spool serve --store postgres://...` (bench/task-drain.ts's workload): `tasks` no-op
 *   tasks pre-posted (untimed) by two masters in this process, then drained by two worker processes
 *   (bench/task-worker.ts) at concurrency 25 each (50 in all); timed from the first handler start
 *   until the masters hold every result.
 * - spool-2: the same with two brokers on the database: one master and one worker on each.
 * - pg-boss 10.4.2 and graphile-worker 0.17.3: `baseline-tasks` (pg-boss) or `tasks` jobs inserted
 *   in bulk (untimed), then worked at concurrency 50 in this process (pg-boss: one work() fetching
 *   50 at a time, its fastest way to 50 in flight; graphile-worker: run() with concurrency 50); timed
 *   from the first handler start until the database holds every job as completed. pg-boss polls
 *   (0.5 s is its shortest interval), so it gets fewer tasks to keep the run short.
 *
 * Targets (issue 6): two brokers ≥ 1.6× one; one broker ≥ 5× pg-boss and graphile-worker.
 */
import { parseArgs } from 'node:util';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Master } from '../master/index.js';
import { PostgresCluster } from '../test/helpers/postgres.js';
import { fmt, median, printTable } from './measure.js';
import { spawnNode, type Proc } from './processes.js';
import { drainRate, now, openMaster, prePost, startWorkerProcess } from './task-drain.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '3000' },
    'baseline-tasks': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '1' },
  },
});
const TASKS = Number(args.tasks);
const PGBOSS_TASKS = Number(args['baseline-tasks']);
const RUNS = Number(args.runs);
const CONCURRENCY = 50;
const WORKERS = 2;
/** Rows per bulk insert of the baselines' jobs. */
const INSERT_CHUNK = 1000;
const POLL_MS = 10;

type CaseName = 'spool-1' | 'spool-2' | 'pg-boss' | 'graphile-worker';
const CASES: CaseName[] = ['spool-1', 'spool-2', 'pg-boss', 'graphile-worker'];

let databases = 0;
function freshDatabase(cluster: PostgresCluster, prefix: string): Promise<string> {
  return cluster.createDatabase(`${prefix.replace('-', '_')}_${databases++}`);
}

/** `spool serve --store <url>` from source on port 0. */
async function startPgBroker(url: string): Promise<Proc & { url: string }> {
  const { proc, match } = await spawnNode([], 'cli/main.ts', ['serve', '--port', '0', '--store', url, '--log-level', 'silent'], /listening on (http:\/\/\S+)/);
  return { ...proc, url: match[1]! };
}

async function spoolDrain(url: string, brokerCount: number): Promise<number> {
  const brokers = await Promise.all(Array.from({ length: brokerCount }, () => startPgBroker(url)));
  const masters: Master[] = [];
  const workers: Proc[] = [];
  try {
    // Masters and workers take turns over the brokers: with one broker all are on it.
    for (let i = 0; i < WORKERS; i++) masters.push(await openMaster(brokers[i % brokerCount]!.url));
    const share = Math.ceil(TASKS / WORKERS);
    const results = (await Promise.all(masters.map((m, i) => prePost(m, Math.min(share, TASKS - i * share))))).flat();
    // Started together: one after the other, the first drained alone for the second's start-up
    // (about a second of module loading, on the same two cores).
    const started = await Promise.allSettled(Array.from({ length: WORKERS }, (_, i) => startWorkerProcess(brokers[i % brokerCount]!.url, CONCURRENCY / WORKERS)));
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    return await drainRate(results);
  } finally {
    for (const m of masters) await m.close();
    for (const w of workers) await w.stop();
    for (const b of brokers) await b.stop();
  }
}

/** Polls `count()` until it returns `target`; resolves with the time it did. */
async function waitForCount(url: string, sql: string, target: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ n: number }>(sql);
      if (rows[0]!.n === target) return now();
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await client.end();
  }
}

function chunks<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / INSERT_CHUNK) }, (_, i) => items.slice(i * INSERT_CHUNK, (i + 1) * INSERT_CHUNK));
}

async function pgBossDrain(url: string): Promise<number> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
  boss.on('error', (err) => console.error('pg-boss:', err));
  await boss.start();
  try {
    await boss.createQueue('bench');
    const jobs = Array.from({ length: PGBOSS_TASKS }, (_, i) => ({ name: 'bench', data: { i } }));
    for (const chunk of chunks(jobs)) await boss.insert(chunk);
    let first = Infinity;
    await boss.work('bench', { batchSize: CONCURRENCY, pollingIntervalSeconds: 0.5 }, async () => {
      first = Math.min(first, now());
    });
    const end = await waitForCount(url, "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bench' AND state = 'completed'", PGBOSS_TASKS);
    return (PGBOSS_TASKS / (end - first)) * 1000;
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

async function graphileDrain(url: string): Promise<number> {
  const logger = new Logger(() => () => {});
  const utils = await makeWorkerUtils({ connectionString: url, logger });
  try {
    await utils.migrate();
    const specs = Array.from({ length: TASKS }, (_, i) => ({ identifier: 'noop', payload: { i } }));
    for (const chunk of chunks(specs)) await utils.addJobs(chunk);
  } finally {
    await utils.release();
  }
  let first = Infinity;
  const runner = await run({
    connectionString: url,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    logger,
    taskList: {
      noop: async () => {
        first = Math.min(first, now());
      },
    },
  });
  try {
    const end = await waitForCount(url, 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs', 0);
    return (TASKS / (end - first)) * 1000;
  } finally {
    await runner.stop();
  }
}

function runCase(cluster: PostgresCluster, name: CaseName): Promise<number> {
  return freshDatabase(cluster, name).then((url) => {
    switch (name) {
      case 'spool-1':
        return spoolDrain(url, 1);
      case 'spool-2':
        return spoolDrain(url, 2);
      case 'pg-boss':
        return pgBossDrain(url);
      case 'graphile-worker':
        return graphileDrain(url);
    }
  });
}

const cluster = await PostgresCluster.start({ durable: true });
const rates = new Map<CaseName, number[]>(CASES.map((c) => [c, []]));
try {
  const admin = new pg.Client({ connectionString: cluster.info.adminUrl });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await admin.end();
  console.log(`bench:pg — PostgreSQL ${version} (fsync on, synchronous_commit on), ${TASKS.toLocaleString('en-US')} tasks (pg-boss ${PGBOSS_TASKS.toLocaleString('en-US')}), concurrency ${CONCURRENCY}, ${RUNS} run(s), node ${process.version}`);
  for (let r = 0; r < RUNS; r++) {
    for (const c of CASES) {
      const t0 = performance.now();
      const rate = await runCase(cluster, c);
      rates.get(c)!.push(rate);
      console.error(`  run ${r + 1}/${RUNS} ${c}: ${fmt(rate)} tasks/s (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
} finally {
  await cluster.stop();
}

const m = (c: CaseName): number => median(rates.get(c)!);
const spread = (xs: number[]): string => (xs.length > 1 ? `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}` : '');
const ratio = (x: number): string => `${x.toFixed(2)}×`;
const row = (c: CaseName, label: string, tasks: number, compared: string, target: string): string[] => [label, fmt(tasks), fmt(m(c)), spread(rates.get(c)!), compared, target];
console.log();
printTable(
  ['case', 'tasks', 'tasks/s', 'min–max', 'ratio', 'target'],
  [
    row('spool-1', 'Spool, 1 broker', TASKS, '', ''),
    row('spool-2', 'Spool, 2 brokers', TASKS, `${ratio(m('spool-2') / m('spool-1'))} of 1 broker`, '≥ 1.6×'),
    row('pg-boss', 'pg-boss 10.4.2', PGBOSS_TASKS, `Spool 1 broker ${ratio(m('spool-1') / m('pg-boss'))}`, '≥ 5×'),
    row('graphile-worker', 'graphile-worker 0.17.3', TASKS, `Spool 1 broker ${ratio(m('spool-1') / m('graphile-worker'))}`, '≥ 5×'),
  ],
);
process.exit(0);
