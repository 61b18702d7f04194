import { PermanentDriverError } from '../errors';

/** MaaS answered 404: the machine, interface or other object does not exist (any more). */
export class MaasNotFoundError extends PermanentDriverError {}

/** MaaS refused the request as invalid (400 and other 4xx except 401/403/404/409). */
export class MaasRequestError extends PermanentDriverError {
  constructor(
    message: string,
    context: ConstructorParameters<typeof PermanentDriverError>[1],
    readonly status: number,
    readonly body: string,
  ) {
    super(message, context);
  }
}
