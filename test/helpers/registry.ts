// Everything a test starts (servers, routers, simulated nodes, child processes) is registered
// here by the helper that started it and stopped by test/setup.ts, so no test can forget to. What
// a test starts is stopped after that test; what a beforeAll starts, after the file. Last started,
// first stopped: a router goes before the nodes behind it.
type Stop = () => unknown;

const perTest: Stop[] = [];
const perFile: Stop[] = [];
let inTest = false;

/** Registers `stop` to run after the current test (or after the file, when called from beforeAll). */
export function onStop(stop: Stop): void {
  (inTest ? perTest : perFile).push(stop);
}

/** Registers `thing` (anything with an idempotent `close()` or `stop()`) and returns it. */
export function track<T extends { close(): unknown } | { stop(): unknown }>(thing: T): T {
  onStop(() => ('stop' in thing ? thing.stop() : thing.close()));
  return thing;
}

export function enterTest(): void {
  inTest = true;
}

/** Runs every registered stop, newest first, even when one fails; then reports the failures. */
async function drain(stops: Stop[]): Promise<void> {
  const failures: unknown[] = [];
  while (stops.length) {
    try {
      await stops.pop()!();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length) throw new AggregateError(failures, `${failures.length} cleanups failed`);
}

export async function stopTestThings(): Promise<void> {
  inTest = false;
  await drain(perTest);
}

export function stopFileThings(): Promise<void> {
  return drain(perFile);
}
