// The demo end to end (small sample so the suite stays quick): every check passes and the JSON
// report says what ran.
import { describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

describe('wa-media demo', () => {
  it('passes every check with a small sample and reports them as JSON', async () => {
    const run = await runCli(['demo', '--size', '8', '--json'], { timeoutMs: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      failed: number;
      checks: { section: string; name: string; status: string; detail: string }[];
      facts: Record<string, number>;
    };
    expect(report.ok).toBe(true);
    expect(report.failed).toBe(0);
    // Every check runs: the report has no "skipped" state any more.
    expect(report).not.toHaveProperty('skipped');
    expect(report.checks.length).toBeGreaterThanOrEqual(13);
    expect(report.checks.every((check) => check.status === 'passed')).toBe(true);
    const sections = new Set(report.checks.map((check) => check.section.replace(/ \(.*$/, '')));
    expect([...sections]).toEqual([
      '1. crypto round trip',
      '2. upload and verified download',
      '3. pause and resume',
      '4. injected faults',
      '5. expiry and media reupload',
    ]);
    expect(report.facts.videoBytes).toBe(8 * 1024 * 1024 + 123);
  });

  it('prints one line per check for humans', async () => {
    const run = await runCli(['demo', '--size', '6'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✓ a flipped byte on host 0 is caught/);
    expect(run.stdout).toMatch(/✓ media reupload/);
    expect(run.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(run.stdout).not.toMatch(/✗/);
  });
});
