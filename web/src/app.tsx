// The Tollgate web app. For now: a landing page that shows the server's health and where the API
// lives; the full app (dashboards, keys, billing) arrives with the web-app issue.
import { useEffect, useState } from 'react';

type Health = { status: string; timestamp: string } | { error: string };

export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    fetch('/health')
      .then((r) => r.json() as Promise<Health>)
      .then(setHealth)
      .catch(() => setHealth({ error: 'server unreachable' }));
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '4rem auto', padding: '0 1rem' }}>
      <h1>Tollgate</h1>
      <p>Multi-tenant LLM gateway with metering, budgets and billing.</p>
      <p data-testid="health">
        Server: {health === null ? 'checking…' : 'error' in health ? health.error : health.status}
      </p>
      <ul>
        <li>
          OpenAI-compatible endpoint: <code>/v1/chat/completions</code>
        </li>
        <li>
          API reference: <a href="/api/docs">/api/docs</a>
        </li>
      </ul>
    </main>
  );
}
