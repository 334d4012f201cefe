// Opens a store on the data directory given as the first argument (with a client that never
// finishes), prints `ready` and waits: a live process holding the data directory, for the lock
// tests to SIGKILL. Run with `node --import tsx hold-store.ts <dataDir>`.
import { createMediaStore } from '../store.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: hold-store.ts <dataDir>');
await createMediaStore({
  client: { downloadToFile: () => new Promise<never>(() => undefined) },
  dataDir,
});
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
