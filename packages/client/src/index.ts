export const packageName = '@wa-media/client' as const;
