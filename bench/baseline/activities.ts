/** The bare Temporal baseline's one activity: a round trip through the server that does nothing. */
export async function noop(): Promise<void> {}
