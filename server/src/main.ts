// Tollgate's entry point: `node dist/main.js` (built by `npm run build`; `tsx src/main.ts` in
// development) serves; with the argument `migrate` it only migrates.
// The one place that reads process.env.
import pino from 'pino';
import { ConfigError, loadConfig } from './config/config.js';
import { openDb } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { createTollgate, databaseUrl } from './app/tollgate.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.LOG_LEVEL });
  const command = process.argv[2] ?? 'serve';

  if (command === 'migrate') {
    const db = openDb({ url: databaseUrl(config) });
    const applied = await migrateToLatest(db);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    await db.close();
    return;
  }
  if (command !== 'serve') throw new ConfigError(`unknown command "${command}" (expected serve or migrate)`);

  const tollgate = await createTollgate({ config, log, env: process.env });
  const address = await tollgate.app.listen({ port: config.PORT, host: config.HOST });
  await tollgate.start();
  const url = config.PUBLIC_URL ?? address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  log.info({ url, database: tollgate.core.db.dialect }, `Tollgate is listening on ${url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests, flushing usage, returning leases');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    tollgate.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
  } else {
    console.error('Tollgate failed to start:', e);
  }
  process.exit(1);
});
