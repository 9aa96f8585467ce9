import { PAGE_STYLE } from './html-page.util.js';

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface LoginPageModel {
  /** The application's name as registered (its client id is not for people). */
  clientName: string;
  scopes: string[];
  /** The authorization request's parameters, carried through the form as hidden fields. */
  hidden: Array<[string, string]>;
  username?: string;
  error?: string;
}

/** The sign-in page of `GET /oauth2/authorize`. Every dynamic value is escaped; no script. */
export function renderLoginPage(model: LoginPageModel): string {
  const hidden = model.hidden.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const scopes = model.scopes.length > 0 ? `<p class="muted">Requested scopes: ${model.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>` : '';
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · ${escapeHtml(model.clientName)}</title><style>${PAGE_STYLE}</style></head>
<body><header>Key Manager</header><main>
<h1>Sign in</h1>
<p>to continue to <span class="app">${escapeHtml(model.clientName)}</span>, which asks to act on your behalf.</p>
${scopes}${error}
<form method="post" action="authorize" autocomplete="off">
${hidden}
<label for="username">User name</label><input type="text" id="username" name="username" value="${escapeHtml(model.username ?? '')}" autocomplete="username" required autofocus>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" name="action" value="approve">Sign in and allow</button>
<button type="submit" name="action" value="deny" class="secondary" formnovalidate>Deny</button></div>
</form></main></body></html>`;
}

/** An error page for requests that cannot be answered with a redirect (unknown client, unregistered redirect URI). */
export function renderErrorPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><header>Key Manager</header><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}
