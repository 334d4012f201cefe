// The function-size check: lists every function, method or arrow function longer than the limit
// in the repository's own sources (generated code and tests excepted), read with the TypeScript
// compiler API. `--report-only` prints the list and exits 0; without it, any entry not in the
// allow-list (function-size.allow.json) fails the run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Longest function accepted, in lines from its first to its last token. */
export const MAX_FUNCTION_LINES = 120;

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_ROOTS = ['packages', 'tools'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'generated', 'test-support', '.turbo']);
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const EXCLUDED_FILE = /\.d\.ts$|\.test\.[cm]?[jt]sx?$|\.pb\.ts$/;

/** One function over the limit. */
export interface LongFunction {
  /** Path from the repository root, `/`-separated. */
  readonly file: string;
  /** `Class.method`, `functionName`, `variable` for an arrow, or `<anonymous>`. */
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

/** An accepted exception: the function may reach `maxLines` until it is split. */
interface AllowEntry {
  readonly file: string;
  readonly name: string;
  readonly maxLines: number;
  readonly reason: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
        yield* sourceFiles(join(dir, entry.name));
      }
    } else if (SOURCE_FILE.test(entry.name) && !EXCLUDED_FILE.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const text = (name: ts.Node | undefined): string | undefined => name?.getText(source);
  const owner = (): string => {
    const parent = node.parent;
    return ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
  };
  if (ts.isFunctionDeclaration(node)) return text(node.name) ?? '<default export>';
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    return `${owner()}${text(node.name)}`;
  }
  if (ts.isConstructorDeclaration(node)) return `${owner()}constructor`;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return text(parent.name) ?? '<anonymous>';
  }
  if (ts.isPropertyDeclaration(parent)) {
    const cls = parent.parent;
    return `${ts.isClassLike(cls) && cls.name ? `${cls.name.text}.` : ''}${text(parent.name)}`;
  }
  return '<anonymous>';
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node)
  );
}

/** Every function in `text` longer than `maxLines` (nested functions are measured too). */
export function longFunctions(file: string, text: string, maxLines: number): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maxLines)
        found.push({ file, name: nameOf(node, source), line: first + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function readAllowList(): AllowEntry[] {
  const path = join(root, 'tools/checks/function-size.allow.json');
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed)) throw new TypeError(`${path} must hold an array`);
  return parsed as AllowEntry[];
}

function main(): void {
  const reportOnly = process.argv.includes('--report-only');
  const allow = readAllowList();
  const found: LongFunction[] = [];
  for (const top of SOURCE_ROOTS) {
    for (const path of sourceFiles(join(root, top))) {
      const file = relative(root, path).split('\\').join('/');
      found.push(...longFunctions(file, readFileSync(path, 'utf8'), MAX_FUNCTION_LINES));
    }
  }
  const allowed = (f: LongFunction): AllowEntry | undefined =>
    allow.find((a) => a.file === f.file && a.name === f.name && f.lines <= a.maxLines);
  const failing = found.filter((f) => !allowed(f));
  for (const f of found) {
    const entry = allowed(f);
    const status = entry ? `allowed (${entry.reason})` : 'over the limit';
    console.log(`${f.file}:${f.line} ${f.name}: ${f.lines} lines, ${status}`);
  }
  console.log(
    `function-size: ${found.length} function(s) over ${MAX_FUNCTION_LINES} lines, ${failing.length} not allowed${reportOnly ? ' (report only)' : ''}`,
  );
  if (failing.length > 0 && !reportOnly) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
