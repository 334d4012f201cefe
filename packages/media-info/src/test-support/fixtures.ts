// The committed fixtures and the truth they were made with (scripts/make-fixtures.mjs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDir: string = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface FixtureTruth {
  mimetype: string;
  width?: number;
  height?: number;
  seconds?: number;
  animated?: boolean;
  pageCount?: number;
  waveform?: number[];
}

export const truth: Record<string, FixtureTruth> = JSON.parse(
  readFileSync(`${fixturesDir}truth.json`, 'utf8'),
);

export function fixture(name: string): string {
  return `${fixturesDir}${name}`;
}

export function fixtureBytes(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(fixture(name)));
}
