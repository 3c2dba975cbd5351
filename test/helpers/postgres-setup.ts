/**
 * vitest globalSetup of the `postgres` project: one throwaway cluster for the whole run, stopped
 * and removed at the end. Test files reach it through inject('postgres') (test/helpers/engine.ts
 * creates a database per test file).
 */
import type { TestProject } from 'vitest/node';
import { PostgresCluster, type ClusterInfo } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await PostgresCluster.start();
  project.provide('postgres', cluster.info);
  return () => cluster.stop();
}
