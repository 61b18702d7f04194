/** Fails when `secret` appears, in clear or base64, in any of `texts` (log lines, error messages, argv). */
export function expectNoSecret(secret: string, texts: string[]): void {
  const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
  const leaks = texts.filter((t) => forms.some((f) => t.includes(f)));
  expect(leaks).toEqual([]);
  expect(texts.length).toBeGreaterThan(0);
}
