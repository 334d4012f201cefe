// The function-size check on small sources: which functions count, how they are named, and
// that the line count is from the first to the last line of the function.
import { describe, expect, it } from 'vitest';
import { longFunctions } from './function-size.ts';

const body = (lines: number): string =>
  Array.from({ length: lines }, (_, i) => `  f(${i});`).join('\n');

describe('longFunctions', () => {
  it('measures declarations, methods, constructors and arrows, named after what holds them', () => {
    const source = [
      `export function long() {\n${body(3)}\n}`,
      `function short() {\n  return 1;\n}`,
      `class Box {\n  constructor() {\n${body(3)}\n  }\n  run() {\n${body(3)}\n  }\n  readonly handler = () => {\n${body(3)}\n  };\n}`,
      `const arrow = async () => {\n${body(3)}\n};`,
      `call({ option: function () {\n${body(3)}\n} });`,
      `call(() => {\n${body(3)}\n});`,
    ].join('\n');
    const found = longFunctions('x.ts', source, 4);
    expect(found.map((f) => [f.name, f.lines])).toEqual([
      ['long', 5],
      ['Box.constructor', 5],
      ['Box.run', 5],
      ['Box.handler', 5],
      ['arrow', 5],
      ['option', 5],
      ['<anonymous>', 5],
    ]);
    expect(found[0]).toMatchObject({ file: 'x.ts', line: 1 });
  });

  it('accepts a function of exactly the limit and measures nested functions on their own', () => {
    expect(longFunctions('x.ts', `function edge() {\n${body(3)}\n}`, 5)).toEqual([]);
    const nested = `function outer() {\n  function inner() {\n${body(4)}\n  }\n}`;
    expect(longFunctions('x.ts', nested, 5).map((f) => [f.name, f.lines])).toEqual([
      ['outer', 8],
      ['inner', 6],
    ]);
  });
});
