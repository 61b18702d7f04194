/** An HTTP answer other than 2xx, thrown by handlers and rendered as text/plain like MaaS's Django views. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Not Found');
export const badRequest = (msg: string): HttpError => new HttpError(400, msg);
export const conflict = (msg: string): HttpError => new HttpError(409, msg);
export const unknownOp = (method: string, op: string | undefined): HttpError => new HttpError(400, `Unrecognised signature: method=${method} op=${op ?? ''}`);
