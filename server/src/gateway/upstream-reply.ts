// A 2xx upstream answer, from the network or simulated (echo), read the same way by the handlers.
import type { Dispatcher } from 'undici';

export interface UpstreamReply {
  text(): Promise<string>;
  /** The body as it arrives (bytes from the network, one string from a simulation). */
  chunks(): AsyncIterator<Uint8Array | string>;
  /** Discard the rest of the body (error paths). */
  dump(): void;
}

class NetworkReply implements UpstreamReply {
  constructor(private readonly body: Dispatcher.ResponseData['body']) {}
  text(): Promise<string> {
    return this.body.text();
  }
  chunks(): AsyncIterator<Uint8Array | string> {
    return this.body[Symbol.asyncIterator]();
  }
  dump(): void {
    this.body.dump().catch(ignore);
  }
}

const ignore = (): void => {};

export const networkReply = (body: Dispatcher.ResponseData['body']): UpstreamReply => new NetworkReply(body);

export function simulatedReply(body: string): UpstreamReply {
  let sent = false;
  return {
    text: async () => body,
    chunks: () => ({
      next: async () => {
        if (sent) return { done: true, value: undefined };
        sent = true;
        return { done: false, value: body };
      },
    }),
    dump: () => {},
  };
}
