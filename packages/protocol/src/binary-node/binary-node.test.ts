// Binary node accessors: children, attributes, content bytes, and typed errors on malformed nodes.
import { describe, expect, it } from 'vitest';
import { BinaryNodeError, isBinaryNodeError, isProtocolError } from '../errors.js';
import { catchError } from '../test-support/catch-error.js';
import {
  type BinaryNode,
  getAttr,
  getChild,
  getChildren,
  getContentBytes,
  getIntAttr,
  requireAttr,
  requireChild,
  requireContentBytes,
  requireIntAttr,
} from './binary-node.js';

const node: BinaryNode = {
  tag: 'iq',
  attrs: { id: '1', ttl: '300', neg: '-5', bad: '12x', big: '9007199254740993', empty: '' },
  content: [
    { tag: 'host', attrs: { hostname: 'a' } },
    { tag: 'other', attrs: {} },
    { tag: 'host', attrs: { hostname: 'b' } },
  ],
};

describe('children', () => {
  it('finds the first child, all children, or those with a tag', () => {
    expect(getChild(node, 'host')).toEqual({ tag: 'host', attrs: { hostname: 'a' } });
    expect(getChild(node, 'none')).toBeUndefined();
    expect(getChildren(node, 'host').map((child) => child.attrs.hostname)).toEqual(['a', 'b']);
    expect(getChildren(node).map((child) => child.tag)).toEqual(['host', 'other', 'host']);
    expect(getChildren({ tag: 'x', attrs: {}, content: 'text' })).toEqual([]);
    expect(getChild({ tag: 'x', attrs: {}, content: new Uint8Array(1) }, 'host')).toBeUndefined();
  });

  it('requireChild names the parent and the missing tag', () => {
    expect(requireChild(node, 'other').tag).toBe('other');
    const error = catchError(() => requireChild(node, 'media_conn'));
    expect(error).toBeInstanceOf(BinaryNodeError);
    expect(error).toMatchObject({
      code: 'missing-child',
      tag: 'iq',
      field: 'media_conn',
      message: '<iq> has no <media_conn> child',
    });
    expect(isBinaryNodeError(error) && isProtocolError(error)).toBe(true);
  });
});

describe('attributes', () => {
  it('reads present attributes and ignores inherited keys', () => {
    expect(getAttr(node, 'id')).toBe('1');
    expect(getAttr(node, 'missing')).toBeUndefined();
    expect(getAttr(node, 'toString')).toBeUndefined();
    expect(requireAttr(node, 'id')).toBe('1');
  });

  it('requireAttr rejects absent and empty attributes', () => {
    expect(catchError(() => requireAttr(node, 'auth'))).toMatchObject({
      code: 'missing-attribute',
      tag: 'iq',
      field: 'auth',
    });
    expect(catchError(() => requireAttr(node, 'empty'))).toMatchObject({
      code: 'missing-attribute',
    });
  });

  it('parses integers strictly and never prints the value', () => {
    expect(requireIntAttr(node, 'ttl')).toBe(300);
    expect(getIntAttr(node, 'neg')).toBe(-5);
    expect(getIntAttr(node, 'missing')).toBeUndefined();
    for (const name of ['bad', 'big', 'empty']) {
      const error = catchError(() => getIntAttr(node, name));
      expect(error).toMatchObject({ code: 'invalid-attribute', field: name });
      expect(error.message).not.toContain(node.attrs[name] || '@@');
    }
    expect(catchError(() => getIntAttr(node, 'neg', { min: 0 }))).toMatchObject({
      code: 'invalid-attribute',
    });
    expect(catchError(() => requireIntAttr(node, 'ttl', { max: 299 }))).toMatchObject({
      code: 'invalid-attribute',
    });
    expect(catchError(() => requireIntAttr(node, 'nope'))).toMatchObject({
      code: 'missing-attribute',
    });
  });
});

describe('content bytes', () => {
  it('returns bytes as is and UTF-8 encodes text', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(getContentBytes({ tag: 'a', attrs: {}, content: bytes })).toBe(bytes);
    expect(getContentBytes({ tag: 'a', attrs: {}, content: 'hé' })).toEqual(
      new Uint8Array([0x68, 0xc3, 0xa9]),
    );
    expect(getContentBytes(node)).toBeUndefined();
    expect(getContentBytes({ tag: 'a', attrs: {} })).toBeUndefined();
  });

  it('requireContentBytes fails on children or no content', () => {
    expect(requireContentBytes({ tag: 'a', attrs: {}, content: '' })).toEqual(new Uint8Array());
    expect(catchError(() => requireContentBytes(node))).toMatchObject({
      code: 'invalid-content',
      tag: 'iq',
    });
    expect(catchError(() => requireContentBytes({ tag: 'enc_p', attrs: {} }))).toMatchObject({
      code: 'invalid-content',
      tag: 'enc_p',
    });
  });
});

describe('malformed nodes (typed errors, never a raw TypeError)', () => {
  const bad = (value: unknown): BinaryNode => value as BinaryNode;
  const cases: [string, BinaryNode][] = [
    ['null', bad(null)],
    ['a number', bad(5)],
    ['a string', bad('iq')],
    ['no tag', bad({ attrs: {} })],
    ['a numeric tag', bad({ tag: 7, attrs: {} })],
    ['no attrs', bad({ tag: 'iq' })],
    ['null attrs', bad({ tag: 'iq', attrs: null })],
    ['array attrs', bad({ tag: 'iq', attrs: ['x'] })],
    ['numeric attrs', bad({ tag: 'iq', attrs: 3 })],
  ];

  it.each(cases)('%s → BinaryNodeError invalid-node from every helper', (_, value) => {
    const helpers: (() => unknown)[] = [
      () => getChild(value, 'x'),
      () => getChildren(value),
      () => requireChild(value, 'x'),
      () => getAttr(value, 'x'),
      () => requireAttr(value, 'x'),
      () => getIntAttr(value, 'x'),
      () => requireIntAttr(value, 'x'),
      () => getContentBytes(value),
      () => requireContentBytes(value),
    ];
    for (const helper of helpers) {
      const error = catchError(helper);
      expect(error).toBeInstanceOf(BinaryNodeError);
      expect(error).toMatchObject({ code: 'invalid-node' });
    }
  });

  it('rejects children that are not nodes, and content of the wrong type', () => {
    for (const child of [null, 5, 'text', undefined, { attrs: {} }, { tag: 'x' }, [[]]]) {
      const parent = bad({ tag: 'iq', attrs: {}, content: [{ tag: 'ok', attrs: {} }, child] });
      for (const run of [() => getChild(parent, 'x'), () => getChildren(parent)]) {
        const error = catchError(run);
        expect(isBinaryNodeError(error)).toBe(true);
        expect(error).toMatchObject({ code: 'invalid-content', tag: 'iq' });
      }
    }
    for (const content of [5, {}, null, true]) {
      const odd = bad({ tag: 'iq', attrs: {}, content });
      expect(catchError(() => getChildren(odd))).toMatchObject({ code: 'invalid-content' });
      expect(catchError(() => getContentBytes(odd))).toMatchObject({ code: 'invalid-content' });
    }
  });

  it('rejects non-string attribute values without printing them (undefined means absent)', () => {
    const odd = bad({ tag: 'iq', attrs: { n: 5, o: { secret: 'S3CRET' }, u: undefined } });
    expect(getAttr(odd, 'u')).toBeUndefined();
    for (const name of ['n', 'o']) {
      const error = catchError(() => getAttr(odd, name)) as BinaryNodeError;
      expect(error).toBeInstanceOf(BinaryNodeError);
      expect(error).toMatchObject({ code: 'invalid-attribute', tag: 'iq', field: name });
      expect(error.message).not.toContain('S3CRET');
    }
  });

  it('terminates on a cyclic tree', () => {
    const cyclic: BinaryNode = { tag: 'iq', attrs: {}, content: [] };
    (cyclic.content as BinaryNode[]).push(cyclic);
    expect(getChildren(cyclic)).toEqual([cyclic]);
    expect(getChild(cyclic, 'iq')).toBe(cyclic);
  });
});
