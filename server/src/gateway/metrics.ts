// Prometheus metrics of the gateway, in a registry of its own (several Tollgates may live in one
// test process; the default registry would refuse duplicate names). Recording is a few counter
// increments per call; rendering happens only when /metrics is scraped.
import { Counter, Histogram, Registry, register as defaultRegister } from 'prom-client';
import { NANO_PER_UNIT } from '../shared/money.js';

export interface GatewayMetrics {
  request(endpoint: string, status: number): void;
  /** Time spent in Tollgate itself (arrival → upstream send, plus response handling), ms. */
  overhead(ms: number): void;
  upstreamLatency(providerType: string, ms: number): void;
  billed(model: string, promptTokens: number, completionTokens: number, costNano: bigint): void;
  refused(code: string): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** Memoise a child-metric factory by its (string) label value. */
function cached<T>(make: (value: string) => T): (value: string) => T {
  const children = new Map<string, T>();
  return (value) => {
    let c = children.get(value);
    if (c === undefined) {
      c = make(value);
      children.set(value, c);
    }
    return c;
  };
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'tollgate_gateway_requests_total',
    help: 'Gateway requests by endpoint and status',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
  });
  const overhead = new Histogram({
    name: 'tollgate_gateway_overhead_seconds',
    help: 'Time Tollgate adds to a call (excluding the upstream)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  const upstream = new Histogram({
    name: 'tollgate_upstream_latency_seconds',
    help: 'Upstream time to response headers by provider type',
    labelNames: ['provider'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'tollgate_tokens_total',
    help: 'Tokens billed',
    labelNames: ['model', 'kind'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'tollgate_cost_total',
    help: 'Customer cost billed, in currency units',
    labelNames: ['model'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'tollgate_refusals_total',
    help: 'Calls refused before the provider',
    labelNames: ['code'],
    registers: [registry],
  });

  // prom-client hashes the label set on every inc/observe; the label values here come from a small
  // set (endpoints, statuses, models, provider types), so each child metric is looked up once.
  const requestChild = cached((endpoint) => cached((status) => requests.labels({ endpoint, status })));
  const upstreamChild = cached((provider) => upstream.labels({ provider }));
  const promptChild = cached((model) => tokens.labels({ model, kind: 'prompt' }));
  const completionChild = cached((model) => tokens.labels({ model, kind: 'completion' }));
  const costChild = cached((model) => cost.labels({ model }));
  const refusalChild = cached((code) => refusals.labels({ code }));

  return {
    request: (endpoint, status) => requestChild(endpoint)(String(status)).inc(),
    overhead: (ms) => overhead.observe(ms / 1000),
    upstreamLatency: (provider, ms) => upstreamChild(provider).observe(ms / 1000),
    billed(model, p, c, nano) {
      if (p) promptChild(model).inc(p);
      if (c) completionChild(model).inc(c);
      // Display-only conversion; money itself never leaves bigint.
      if (nano > 0n) costChild(model).inc(Number(nano) / Number(NANO_PER_UNIT));
    },
    refused: (code) => refusalChild(code).inc(),
    async render() {
      const own = await registry.metrics();
      const rest = await defaultRegister.metrics();
      return { contentType: registry.contentType, body: rest ? `${own}\n${rest}` : own };
    },
  };
}
