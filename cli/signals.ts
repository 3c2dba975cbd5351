/** Graceful stop on SIGTERM/SIGINT: the first signal closes `what` and exits 0; a second exits at once. */
export function closeOnSignals(close: () => Promise<void>, doing: string): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`spool: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`spool: ${signal}, ${doing} (send it again to exit at once)\n`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`spool: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
