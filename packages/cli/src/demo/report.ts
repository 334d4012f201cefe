// The demo's report: one line per check (✓ / ✗), grouped in sections, and the same
// as JSON with --json.
import type { Output } from '../io/output.js';

/** The outcome of one check. */
export interface CheckResult {
  readonly section: string;
  readonly name: string;
  readonly status: 'passed' | 'failed';
  readonly detail: string;
}

/** Collects check results and prints them as they come. */
export class DemoReport {
  readonly checks: CheckResult[] = [];
  readonly facts: Record<string, unknown> = {};
  readonly #out: Output;
  #section = '';

  constructor(out: Output) {
    this.#out = out;
  }

  section(title: string): void {
    this.#section = title;
    this.#out.print(`\n${title}`);
  }

  /** Records a measured fact for the JSON report (sizes, throughputs). */
  fact(name: string, value: unknown): void {
    this.facts[name] = value;
  }

  pass(name: string, detail = ''): void {
    this.#add(name, 'passed', detail);
  }

  fail(name: string, detail: string): void {
    this.#add(name, 'failed', detail);
  }

  /** ✓ when `ok`, else ✗. */
  check(name: string, ok: boolean, detail = ''): boolean {
    this.#add(name, ok ? 'passed' : 'failed', detail);
    return ok;
  }

  get failed(): number {
    return this.checks.filter((check) => check.status === 'failed').length;
  }

  #add(name: string, status: CheckResult['status'], detail: string): void {
    this.checks.push({ section: this.#section, name, status, detail });
    const mark = status === 'passed' ? '✓' : '✗';
    this.#out.print(`  ${mark} ${name}${detail === '' ? '' : ` — ${detail}`}`);
  }
}
