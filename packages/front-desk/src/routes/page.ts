/** `/`: the clients' web page (static, no build step), with headers that keep it to itself. */
import { PAGE_HTML } from '../page/page-html.ts';
import type { RouteContext } from './context.ts';

export function registerPage(ctx: RouteContext): void {
  ctx.app.get('/', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(PAGE_HTML),
  );
}
