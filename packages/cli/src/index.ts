export const packageName = '@wa-media/cli' as const;
