// Upload: option checks → hash pass (the token) → the CDN driver over the hosts, each try a
// resume probe (≥ 5 MiB) and a POST of the rest. The parts: upload-options.ts (checks),
// prepared-blob.ts (source preparation), upload-operation.ts (one try of one host).

import type { MediaType } from '@wa-media/crypto';
import type { HttpClient } from '@wa-media/transport';
import { MediaUploadError } from '../errors.js';
import { runCdnDriver } from '../internal/cdn-driver.js';
import type { ResolvedRetryPolicy } from '../internal/cdn-policy.js';
import type { MediaConnCache } from '../media-conn/media-conn-cache.js';
import type { TransferControl } from '../transfers/transfer.js';
import { prepareBlob } from './prepared-blob.js';
import { UploadOperation } from './upload-operation.js';
import { planUpload, type UploadOptions, type UploadResult } from './upload-options.js';
import type { UploadSource, UploadSpool } from './upload-source.js';

export type { UploadOptions, UploadResult } from './upload-options.js';

/** What the upload loop needs from the client. */
export interface UploadEngineContext {
  readonly http: HttpClient;
  readonly mediaConn: MediaConnCache;
  readonly hasSignaling: boolean;
  readonly scheme: 'https' | 'http';
  readonly retry: ResolvedRetryPolicy;
  readonly spool: UploadSpool;
}

/**
 * Runs one upload to completion, honouring pause/resume/cancel.
 * @throws {MediaUploadError} no signalling, source failure, or every host failed.
 * @throws {TransferCancelledError} when cancelled.
 */
export async function runUpload(
  context: UploadEngineContext,
  source: UploadSource,
  type: MediaType,
  options: UploadOptions,
  control: TransferControl,
): Promise<UploadResult> {
  if (!context.hasSignaling) {
    throw new MediaUploadError('no-signaling', 'Uploads need signalling (a media_conn auth token)');
  }
  const plan = planUpload(type, options);
  const mediaKeyTimestamp = Math.floor(Date.now() / 1000);
  const blob = await prepareBlob(
    source,
    type,
    plan.encryptor,
    options.spool ?? context.spool,
    control,
  );
  control.onEnd(() => blob.dispose());
  const operation = new UploadOperation(
    context,
    blob,
    plan.uploadPath,
    control,
    plan.serverThumbGen,
  );
  const reply = await runCdnDriver(context, control, operation);
  const { info } = blob;
  return {
    url: reply.url,
    directPath: reply.directPath,
    ...(reply.handle === undefined ? {} : { handle: reply.handle }),
    mediaKey: info.mediaKey,
    fileSha256: info.fileSha256,
    fileEncSha256: info.fileEncSha256,
    fileLength: info.fileLength,
    mediaKeyTimestamp,
    ...(info.streamingSidecar === undefined ? {} : { streamingSidecar: info.streamingSidecar }),
    ...(reply.thumbnailInfo === undefined
      ? {}
      : {
          thumbnailDirectPath: reply.thumbnailInfo.directPath,
          thumbnailSha256: reply.thumbnailInfo.sha256,
        }),
    type,
    encrypted: info.encrypted,
  };
}
