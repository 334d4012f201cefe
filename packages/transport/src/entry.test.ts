// The main entry must stay runtime-agnostic: nothing reachable from index.ts may import a
// `node:` module (the node adapter lives behind `@wa-media/transport/node`).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = dirname(fileURLToPath(import.meta.url));

function reachable(file: string, seen: Set<string> = new Set()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) {
    reachable(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

describe('entry points', () => {
  it('index.ts reaches no node: import; node.ts does', () => {
    const fromIndex = reachable(join(srcDir, 'index.ts'));
    expect(fromIndex.size).toBeGreaterThan(5);
    for (const file of fromIndex) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from\s+'node:/);
    }
    const fromNode = [...reachable(join(srcDir, 'node.ts'))];
    expect(fromNode.some((file) => /from\s+'node:http'/.test(readFileSync(file, 'utf8')))).toBe(
      true,
    );
  });
});
