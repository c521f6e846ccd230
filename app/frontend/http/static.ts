// The static pages: /, /index.html and /dmca.html from app/web through @fastify/static.
// Only these routes exist (serve: false), so there is no listing and no path to escape.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** app/web, found from the source tree (tsx) or from dist/ (the bundle). */
export function webRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '..', '..', 'web'),
    join(here, '..', 'web'),
    join(here, '..', 'app', 'web'),
    join(here, 'web'),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error(`static pages not found (looked in ${candidates.join(', ')})`);
}

export async function registerStatic(app: FastifyInstance, root = webRoot()): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false, dotfiles: 'deny' });
  app.get('/', (_req, reply) => reply.sendFile('index.html'));
  app.get('/index.html', (_req, reply) => reply.sendFile('index.html'));
  app.get('/dmca.html', (_req, reply) => reply.sendFile('dmca.html'));
}
