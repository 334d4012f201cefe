// Error identity across the monorepo: every error class (a class extending Error or another
// error class) has a name no other package's class has, and its `name` says so, so a
// name-based guard (`isXxxError`) can never narrow another package's error.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

interface ErrorClass {
  readonly className: string;
  readonly parent: string;
  /** The string `name` field initializer, if the class declares one. */
  readonly name: string | undefined;
  readonly where: string;
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'generated', 'test-support'].includes(entry.name)) {
        yield* sources(path);
      }
    } else if (/\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) {
      yield path;
    }
  }
}

function classesIn(path: string): ErrorClass[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const found: ErrorClass[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name) {
      const parent = node.heritageClauses
        ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
        ?.types[0]?.expression.getText(source);
      if (parent !== undefined) {
        let name: string | undefined;
        for (const member of node.members) {
          if (!ts.isPropertyDeclaration(member) || member.name.getText(source) !== 'name') continue;
          let value = member.initializer;
          // `'X' as const` is still the string 'X'.
          while (value !== undefined && ts.isAsExpression(value)) value = value.expression;
          if (value !== undefined && ts.isStringLiteralLike(value)) name = value.text;
        }
        found.push({ className: node.name.text, parent, name, where: path });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const all = readdirSync(packagesDir).flatMap((pkg) => [...sources(join(packagesDir, pkg, 'src'))]);
const classes = all.flatMap(classesIn);
// Error classes: those extending Error, then (transitively) those extending one of them.
const errorNames = new Set(['Error']);
for (let grew = true; grew; ) {
  grew = false;
  for (const c of classes) {
    if (errorNames.has(c.parent) && !errorNames.has(c.className)) {
      errorNames.add(c.className);
      grew = true;
    }
  }
}
const errors = classes.filter((c) => errorNames.has(c.parent));

describe('error classes of all packages', () => {
  it('are found (the scan works)', () => {
    expect(errors.length).toBeGreaterThan(20);
    expect(errors.map((e) => e.className)).toContain('HttpError');
  });

  it('have class names no other class has', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const e of errors) {
      const other = seen.get(e.className);
      if (other !== undefined) clashes.push(`${e.className}: ${other} and ${e.where}`);
      seen.set(e.className, e.where);
    }
    expect(clashes).toEqual([]);
  });

  it('declare their own name, equal to the class name', () => {
    const wrong = errors
      .filter((e) => e.name !== undefined && e.name !== e.className)
      .map((e) => `${e.className} is named ${e.name} (${e.where})`);
    const unnamed = errors.filter((e) => e.name === undefined).map((e) => e.className);
    expect(wrong).toEqual([]);
    expect(unnamed).toEqual([]);
  });
});
