// `server_thumb_gen=1` on newsletter image/video uploads: the real CDN makes a thumbnail and says
// where (`thumbnail_info`). The emulator cannot decode media, so its "thumbnail" is a fixed
// 16×16 grey JPEG, stored as its own object and downloadable like any other.

import type { MediaStore } from './media-store.js';
import type { UploadRoute } from './upload-routes.js';

/** A 16×16 grey JPEG (265 bytes). */
const PLACEHOLDER_JPEG = Buffer.from(
  '/9j/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBCYFVlZF9VXVtqeJmBanGQc1tdhbWGkJ6jq62rZ4C8ybqmx5moq6T/2wBDARweHigjKE4rK06kbl1upKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKT/wAARCAAQABADASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AAA//2Q==',
  'base64',
);

const THUMBNAILED = new Set(['newsletter-image', 'newsletter-video']);

/**
 * The reply's `thumbnail_info` when the upload asked for one on a route that makes them, after
 * storing the thumbnail; `{}` otherwise.
 */
export function serverThumbnailReply(
  store: MediaStore,
  route: UploadRoute,
  query: URLSearchParams,
): { thumbnail_info?: { thumbnail_direct_path: string; thumbnail_sha256: string } } {
  if (query.get('server_thumb_gen') !== '1' || !THUMBNAILED.has(route.mmsType)) return {};
  const thumbnail = store.put(PLACEHOLDER_JPEG, route);
  return {
    thumbnail_info: {
      thumbnail_direct_path: thumbnail.directPath,
      thumbnail_sha256: thumbnail.sha256.toString('base64'),
    },
  };
}
