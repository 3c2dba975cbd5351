import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { findPostgresBin, INSTALL_HINT } from './test/helpers/postgres.js';

// One suite, two runners: the engine contract tests (test/engine, through testEngine) run on
// SQLite with everything else, and again on PostgreSQL with its own tests (test/postgres) against
// a cluster that the postgres project's globalSetup starts. Without PostgreSQL binaries, that
// runner is left out with one line saying so.
const postgresBin = findPostgresBin();
if (postgresBin === null) console.log(INSTALL_HINT);

const postgres: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'postgres',
    include: ['test/engine/*.test.ts', 'test/postgres/*.test.ts'],
    // SQLite's file and commit tests, and the docs check, do not depend on the store.
    exclude: ['test/engine/sqlite-*.test.ts', 'test/engine/errors-doc.test.ts'],
    env: { SPOOL_TEST_STORE: 'postgres' },
    globalSetup: ['test/helpers/postgres-setup.ts'],
  },
};

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [{ extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/postgres/**'] } }, ...(postgresBin === null ? [] : [postgres])],
  },
});
