// Ends the run with the plain line CI reads: "N passed, N failed, N skipped".
import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest/node';

function count(tasks: readonly RunnerTask[], acc = { passed: 0, failed: 0, skipped: 0 }) {
  for (const t of tasks) {
    if (t.type === 'suite') {
      count(t.tasks, acc);
      continue;
    }
    const state = t.result?.state;
    if (state === 'pass') acc.passed++;
    else if (state === 'fail') acc.failed++;
    else acc.skipped++;
  }
  return acc;
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const c = count(files);
    // A file that failed to load (or an unhandled error) has no tests but is a failure.
    const brokenFiles = files.filter((f) => f.result?.state === 'fail' && f.tasks.length === 0).length;
    const failed = c.failed + brokenFiles + errors.length;
    process.stdout.write(`\n${c.passed} passed, ${failed} failed, ${c.skipped} skipped\n`);
  }
}
