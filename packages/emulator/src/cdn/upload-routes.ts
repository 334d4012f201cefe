/**
 * The upload endpoints the emulated CDN accepts (docs/protocol.md §1), and how it names the objects
 * it stores for each. The CDN keeps its own table on purpose: it plays the server, so it must not
 * share the client's idea of which paths exist.
 */
export interface UploadRoute {
  /** Upload path prefix, e.g. `/mms/image`. */
  readonly uploadPath: string;
  /** The `mms-type` this endpoint stores. */
  readonly mmsType: string;
  /** False for plaintext endpoints (product images, newsletter media): those replies carry a `handle`. */
  readonly encrypted: boolean;
  /** First segments of the direct paths of objects stored through this endpoint. */
  readonly directPathPrefix: string;
  /** File suffix of the direct paths (`.enc` for encrypted media, as real ones look). */
  readonly suffix: string;
}

// The `t62.*` numbers mimic the look of real direct paths; nothing depends on their values.
const ENCRYPTED: readonly [mmsType: string, prefix: string][] = [
  ['image', '/v/t62.7118-24'],
  ['video', '/v/t62.7161-24'],
  ['audio', '/v/t62.7117-24'],
  ['document', '/v/t62.7119-24'],
  ['md-msg-hist', '/v/t62.36145-24'],
  ['md-app-state', '/v/t62.36140-24'],
  ['sticker-pack', '/v/t62.15575-24'],
  ['thumbnail-sticker-pack', '/v/t62.15575-24'],
  ['thumbnail-link', '/v/t62.36144-24'],
  ['thumbnail-image', '/v/t62.36144-24'],
  ['thumbnail-video', '/v/t62.36144-24'],
  ['thumbnail-document', '/v/t62.36144-24'],
  ['payment-bg-image', '/v/t62.7118-24'],
];

const PLAINTEXT_NEWSLETTER: readonly string[] = ['image', 'video', 'audio', 'document', 'sticker'];

function buildRoutes(): Map<string, UploadRoute> {
  const routes = new Map<string, UploadRoute>();
  for (const [mmsType, prefix] of ENCRYPTED) {
    const uploadPath = `/mms/${mmsType}`;
    routes.set(uploadPath, {
      uploadPath,
      mmsType,
      encrypted: true,
      directPathPrefix: prefix,
      suffix: '.enc',
    });
  }
  routes.set('/product/image', {
    uploadPath: '/product/image',
    mmsType: 'product-catalog-image',
    encrypted: false,
    directPathPrefix: '/v/t45.5328-4',
    suffix: '.jpg',
  });
  // Channel (newsletter) media is uploaded unencrypted to its own endpoints.
  for (const kind of PLAINTEXT_NEWSLETTER) {
    const uploadPath = `/newsletter/newsletter-${kind}`;
    routes.set(uploadPath, {
      uploadPath,
      mmsType: `newsletter-${kind}`,
      encrypted: false,
      directPathPrefix: '/o1/v/t24/f2',
      suffix: '',
    });
  }
  return routes;
}

/** Every accepted upload endpoint, keyed by its path prefix. */
export const UPLOAD_ROUTES: ReadonlyMap<string, UploadRoute> = buildRoutes();

/** The route for an mms-type (`'image'`, `'md-msg-hist'`, `'product-catalog-image'`, …). */
export function routeForMmsType(mmsType: string): UploadRoute | undefined {
  for (const route of UPLOAD_ROUTES.values()) if (route.mmsType === mmsType) return route;
  return undefined;
}

/** Splits `/mms/image/<token>` into its route and token; undefined for unknown paths. */
export function matchUploadPath(
  pathname: string,
): { route: UploadRoute; pathToken: string } | undefined {
  const cut = pathname.lastIndexOf('/');
  if (cut <= 0) return undefined;
  const route = UPLOAD_ROUTES.get(pathname.slice(0, cut));
  if (route === undefined) return undefined;
  return { route, pathToken: pathname.slice(cut + 1) };
}
