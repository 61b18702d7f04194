/**
 * The error `p` rejects with. A promise that resolves fails the test here, saying so, instead of handing
 * its value to assertions about an error.
 */
export async function failure<E = Error>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (err) {
    return err as E;
  }
  throw new Error('expected a failure, but the promise resolved');
}
