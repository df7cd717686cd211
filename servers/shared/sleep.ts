/** Resolves after `ms` milliseconds: the one pause every poll loop in the tree uses. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
