// Every error class name is unique across the monorepo: guards match by `name` (across copies
// and realms), so two packages sharing one would make a guard narrow to the wrong class.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `class X extends …Error` declarations with their `override name = 'X'`, per file. */
function errorNames(): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    for (const file of sources(join(root, 'packages', pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/override (?:readonly )?name[^=\n]*=\s*'(\w+)'/g)) {
        const name = match[1] as string;
        byName.set(name, [...(byName.get(name) ?? []), relative(root, file)]);
      }
    }
  }
  return byName;
}

describe('error class names', () => {
  it('are unique across every package', () => {
    const names = errorNames();
    expect(names.size).toBeGreaterThan(20); // the scan found the hierarchy
    const shared = [...names].filter(([, files]) => files.length > 1);
    expect(shared).toEqual([]);
  });
});
