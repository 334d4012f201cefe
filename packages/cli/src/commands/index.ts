import type { CommandSpec } from '../command.js';
import { decryptCommand } from './decrypt.js';
import { demoCommand } from './demo.js';
import { describeCommand } from './describe.js';
import { downloadCommand } from './download.js';
import { emulatorCommand } from './emulator.js';
import { encryptCommand } from './encrypt.js';
import { reuploadCommand } from './reupload.js';
import { serveCommand } from './serve.js';
import { uploadCommand } from './upload.js';

/** Every subcommand, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  encryptCommand,
  decryptCommand,
  uploadCommand,
  downloadCommand,
  describeCommand,
  reuploadCommand,
  emulatorCommand,
  serveCommand,
  demoCommand,
];
