/** `/`: the clients' web page (static, no build step), with headers that keep it to itself. */
import { readFileSync } from 'node:fs';
import type { RouteContext } from './context.ts';

const PAGE = new URL('../page/index.html', import.meta.url);

export function registerPage(ctx: RouteContext): void {
  const html = readFileSync(PAGE, 'utf8');
  ctx.app.get('/', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(html),
  );
}
