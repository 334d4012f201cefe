// The per-file emulator the CDN tests share: started once, reset before every test, so tests in
// a file never see each other's media, logs, faults or clock.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../index.js';

export interface CdnFixture {
  /** The file's emulator (without the control server). */
  readonly emulator: Emulator;
  /** Its first CDN hostname (`host:port`). */
  readonly host: string;
  /** An upload auth token issued after this test's reset. */
  readonly auth: string;
}

/**
 * Registers the hooks that start, reset and close one emulator for the calling test file.
 * Call at the top level of the file; read the fields inside tests and hooks only.
 */
export function useCdnEmulator(options: EmulatorOptions = {}): CdnFixture {
  let emulator: Emulator | undefined;
  let auth: string | undefined;
  const started = (): Emulator => {
    if (emulator === undefined) throw new Error('useCdnEmulator: read the fixture inside a test');
    return emulator;
  };
  beforeAll(async () => {
    emulator = await startEmulator({ control: false, ...options });
  });
  afterAll(() => emulator?.close());
  beforeEach(() => {
    started().reset();
    auth = started().issueAuth();
  });
  return {
    get emulator() {
      return started();
    },
    get host() {
      return started().hostnames[0]!;
    },
    get auth() {
      if (auth === undefined) throw new Error('useCdnEmulator: read the fixture inside a test');
      return auth;
    },
  };
}
