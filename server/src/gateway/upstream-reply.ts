// A 2xx upstream answer, from the network (upstream-client's exchange) or simulated (echo), read
// the same way by the handlers.
export interface UpstreamReply {
  text(): Promise<string>;
  /** The body as it arrives (bytes from the network, one string from a simulation). */
  chunks(): AsyncIterator<Uint8Array | string>;
  /** Discard the rest of the body (error paths). */
  dump(): void;
  /** The reader has all it needs (the provider's final marker came before the body's end): read
   *  the rest so the connection is kept for the next call; give it up if the body does not end
   *  soon (a provider that keeps the stream open). */
  release(): void;
}

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
    release: () => {},
  };
}
