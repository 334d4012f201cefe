#!/usr/bin/env node
// The `wa-media` command (grown by the emulator/CLI issue).
process.stdout.write('wa-media: not implemented yet\n');
