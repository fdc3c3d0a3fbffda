import type { ApiClient } from '../core/api/client.js';
import type { AppHost } from './host/types.js';

/**
 * The API client and the shell, set once at start-up (main.tsx) or by a test.
 * Stores reach them here instead of through props.
 */
interface Services {
  client: ApiClient;
  host: AppHost;
}

let current: Services | null = null;

export function setServices(services: Services): void {
  current = services;
}

export function services(): Services {
  if (!current) throw new Error('services are not set: call setServices() first');
  return current;
}
