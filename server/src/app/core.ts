// What every module is built from: the validated config and the chosen adapters.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/bus.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../shared/clock.js';

export interface Secrets {
  /** HMAC key for session JWTs. */
  jwtSecret: Uint8Array;
  /** 32-byte AES-256-GCM key for provider credentials. */
  encryptionKey: Buffer;
}

export interface Core {
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  secrets: Secrets;
}

/** A feature module as the composition root sees it. */
export interface Module {
  /** Fastify plugin registering the module's routes (admin API and/or gateway). */
  routes?: (app: FastifyInstance) => Promise<void>;
  /**
   * Refusals by the router itself (bad percent-encoding, an over-long path parameter) under this
   * module's URL prefix, in the module's own error envelope; the admin envelope elsewhere.
   */
  frameworkErrors?: { prefix: string; handle: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void };
  /** Background work to start after the server listens (jobs, flushers). */
  start?: () => Promise<void>;
  /** Graceful shutdown: drain, flush, return leases. Called in reverse order of creation. */
  close?: () => Promise<void>;
}
