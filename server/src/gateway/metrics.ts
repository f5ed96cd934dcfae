// Prometheus metrics of the gateway, in a registry of its own (several Tollgates may live in one
// test process; the default registry would refuse duplicate names). Recording is a few additions
// to plain numbers per call (metric-cells.ts); prom-client's work happens when /metrics is scraped.
import { Counter, Registry, register as defaultRegister } from 'prom-client';
import { NANO_PER_UNIT } from '../shared/money.js';
import { BucketHistogram, CounterCells } from './metric-cells.js';

export interface GatewayMetrics {
  request(endpoint: string, status: number): void;
  /** Time spent in Tollgate itself (arrival → upstream send, plus response handling), ms. */
  overhead(ms: number): void;
  upstreamLatency(providerType: string, ms: number): void;
  billed(model: string, promptTokens: number, completionTokens: number, costNano: bigint): void;
  refused(code: string): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** Memoise a cell factory by its (string) label value. */
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
  // Hot-path recordings go to plain cells (metric-cells.ts); counters take them in at scrape time.
  const requestCells = new CounterCells<'endpoint' | 'status'>(() => requests);
  const tokenCells = new CounterCells<'model' | 'kind'>(() => tokens);
  const costCells = new CounterCells<'model'>(() => cost);
  const refusalCells = new CounterCells<'code'>(() => refusals);
  const requests: Counter<'endpoint' | 'status'> = new Counter({
    name: 'tollgate_gateway_requests_total',
    help: 'Gateway requests by endpoint and status',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
    collect: () => requestCells.flush(),
  });
  const overhead = new BucketHistogram(
    'tollgate_gateway_overhead_seconds',
    'Time Tollgate adds to a call (excluding the upstream)',
    [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    registry,
  );
  const upstream = new BucketHistogram(
    'tollgate_upstream_latency_seconds',
    'Upstream time to response headers by provider type',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registry,
  );
  const tokens: Counter<'model' | 'kind'> = new Counter({
    name: 'tollgate_tokens_total',
    help: 'Tokens billed',
    labelNames: ['model', 'kind'],
    registers: [registry],
    collect: () => tokenCells.flush(),
  });
  const cost: Counter<'model'> = new Counter({
    name: 'tollgate_cost_total',
    help: 'Customer cost billed, in currency units',
    labelNames: ['model'],
    registers: [registry],
    collect: () => costCells.flush(),
  });
  const refusals: Counter<'code'> = new Counter({
    name: 'tollgate_refusals_total',
    help: 'Calls refused before the provider',
    labelNames: ['code'],
    registers: [registry],
    collect: () => refusalCells.flush(),
  });

  // The label values come from a small set (endpoints, statuses, models, provider types): each cell
  // is looked up by value once.
  const requestCell = cached((endpoint) =>
    cached((status) => requestCells.cell(`${endpoint}\n${status}`, { endpoint, status })),
  );
  const overheadCell = overhead.cell('', {});
  const upstreamCell = cached((provider) => upstream.cell(provider, { provider }));
  const promptCell = cached((model) => tokenCells.cell(`${model}\nprompt`, { model, kind: 'prompt' }));
  const completionCell = cached((model) => tokenCells.cell(`${model}\ncompletion`, { model, kind: 'completion' }));
  const costCell = cached((model) => costCells.cell(model, { model }));
  const refusalCell = cached((code) => refusalCells.cell(code, { code }));

  return {
    request: (endpoint, status) => void (requestCell(endpoint)(String(status)).pending += 1),
    overhead: (ms) => overhead.observe(overheadCell, ms / 1000),
    upstreamLatency: (provider, ms) => upstream.observe(upstreamCell(provider), ms / 1000),
    billed(model, p, c, nano) {
      if (p) promptCell(model).pending += p;
      if (c) completionCell(model).pending += c;
      // Display-only conversion; money itself never leaves bigint.
      if (nano > 0n) costCell(model).pending += Number(nano) / Number(NANO_PER_UNIT);
    },
    refused: (code) => void (refusalCell(code).pending += 1),
    async render() {
      const own = await registry.metrics();
      const rest = await defaultRegister.metrics();
      return { contentType: registry.contentType, body: rest ? `${own}\n${rest}` : own };
    },
  };
}
