import express, { Router, type Response } from 'express';
import type { Core } from '../../core/create-core.js';
import { guessLanguage, type CustomerLanguage } from '../../core/automation/language.js';
import { CsatAnswerSchema, type CsatPage } from '../../core/csat/csat-service.js';
import { AppError } from '../../core/errors/app-error.js';
import { httpStatusOf } from '../http/error-response.js';
import { CSAT_PAGE } from './csat-page-texts.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fill = (s: string, vars: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k: string) => esc(String(vars[k] ?? '')));
const TOKEN = /^[A-Za-z0-9_.-]{10,400}$/;

/**
 * The public rating page an email's link opens: no login, the signed token is the permission. GET shows
 * the question (and the answer already given), POST records it; forged → 404, expired → 410, bad input → 400.
 */
export function csatPageRouter(core: Pick<Core, 'csat'>): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  router.get('/:token', async (req, res) => {
    const lang = await languageOf(core, req.params.token, req.headers['accept-language']);
    try {
      if (!TOKEN.test(req.params.token)) throw new AppError('NOT_FOUND', 'not found');
      send(res, 200, lang, form(await core.csat.page(req.params.token), lang));
    } catch (err) {
      failure(res, err, lang);
    }
  });

  router.post('/:token', async (req, res) => {
    const lang = await languageOf(core, req.params.token, req.headers['accept-language']);
    try {
      if (!TOKEN.test(req.params.token)) throw new AppError('NOT_FOUND', 'not found');
      const parsed = CsatAnswerSchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        const page = await core.csat.page(req.params.token);
        return send(res, 400, lang, `<p class="err" role="alert">${esc(CSAT_PAGE[lang].invalid!)}</p>${form(page, lang)}`);
      }
      const page = await core.csat.rateByToken(req.params.token, parsed.data);
      send(res, 200, lang, `<p class="ok" role="status">${esc(CSAT_PAGE[lang].thanks!)}</p>${form(page, lang)}`);
    } catch (err) {
      failure(res, err, lang);
    }
  });
  return router;
}

async function languageOf(core: Pick<Core, 'csat'>, token: string, acceptLanguage: string | undefined): Promise<CustomerLanguage> {
  const fromToken = TOKEN.test(token) ? await core.csat.page(token).then((p) => p.language).catch(() => core.csat.languageHint(token).catch(() => null)) : null;
  return fromToken ?? guessFromHeader(acceptLanguage);
}

function guessFromHeader(h: string | undefined): CustomerLanguage {
  const first = (h ?? '').split(',')[0]?.trim().slice(0, 2).toLowerCase();
  return first === 'pt' || first === 'es' ? first : (guessLanguage(undefined) ?? 'en');
}

function form(page: CsatPage, lang: CustomerLanguage): string {
  const t = CSAT_PAGE[lang];
  const radios = [1, 2, 3, 4, 5]
    .map((r) => `<label class="r"><input type="radio" name="rating" value="${r}" required${page.rating === r ? ' checked' : ''}><span>${r}</span></label>`)
    .join('');
  const current = page.rating ? `<p class="cur">${fill(t.current!, { r: page.rating, d: page.expiresAt.toISOString().slice(0, 10) })}</p>` : '';
  return `<h1>${esc(t.title!)}</h1><p>${fill(t.question!, { n: page.ticketNumber })}</p>${current}
<form method="post"><div class="scale"><span>${esc(t.poor!)}</span>${radios}<span>${esc(t.excellent!)}</span></div>
<label class="c">${esc(t.comment!)}<textarea name="comment" maxlength="2000" rows="4">${esc(page.comment ?? '')}</textarea></label>
<button type="submit">${esc(t.send!)}</button></form>`;
}

function failure(res: Response, err: unknown, lang: CustomerLanguage) {
  const status = err instanceof AppError ? httpStatusOf[err.category] : 500;
  const text = status === 410 ? CSAT_PAGE[lang].expired! : status === 404 ? CSAT_PAGE[lang].notFound! : 'Error';
  send(res, status >= 400 && status < 500 ? status : 500, lang, `<p class="err" role="alert">${esc(text)}</p>`);
}

function send(res: Response, status: number, lang: CustomerLanguage, body: string) {
  res
    .status(status)
    .type('html')
    .setHeader('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(CSAT_PAGE[lang].title!)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d2433}h1{font-size:1.4rem}
.scale{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap;margin:1rem 0}.scale>span{font-size:.85rem;color:#5b6477}
.r input{position:absolute;opacity:0}.r span{display:inline-block;width:2.6rem;height:2.6rem;line-height:2.6rem;text-align:center;border:1px solid #aab;border-radius:.4rem;cursor:pointer}
.r input:checked+span{background:#2457d6;color:#fff;border-color:#2457d6}.r input:focus-visible+span{outline:2px solid #2457d6;outline-offset:2px}
.c{display:block;margin:1rem 0}textarea{display:block;width:100%;box-sizing:border-box;margin-top:.3rem;font:inherit}
button{font:inherit;padding:.5rem 1.2rem;background:#2457d6;color:#fff;border:0;border-radius:.4rem;cursor:pointer}
.ok{background:#e6f4ea;padding:.6rem;border-radius:.4rem}.err{background:#fdecea;padding:.6rem;border-radius:.4rem}.cur{color:#5b6477}</style></head><body>${body}</body></html>`,
    );
}
