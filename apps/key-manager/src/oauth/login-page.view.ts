/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface LoginPageModel {
  clientId: string;
  scopes: string[];
  /** The authorization request's parameters, carried through the form as hidden fields. */
  hidden: Array<[string, string]>;
  username?: string;
  error?: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.4rem}
.error{color:#a00}.actions{margin-top:1rem;display:flex;gap:.5rem}`;

/** The minimal sign-in page of `GET /oauth2/authorize`. Every dynamic value is escaped. */
export function renderLoginPage(model: LoginPageModel): string {
  const hidden = model.hidden.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const scopes = model.scopes.length > 0 ? `<p>Requested scopes: ${model.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>` : '';
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in</title><style>${STYLE}</style></head>
<body><h1>Sign in</h1>
<p>Application <code>${escapeHtml(model.clientId)}</code> asks to act on your behalf.</p>
${scopes}${error}
<form method="post" action="authorize" autocomplete="off">
${hidden}
<label for="username">User name</label><input type="text" id="username" name="username" value="${escapeHtml(model.username ?? '')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<div class="actions"><button type="submit" name="action" value="approve">Sign in and allow</button>
<button type="submit" name="action" value="deny" formnovalidate>Deny</button></div>
</form></body></html>`;
}

/** An error page for requests that cannot be answered with a redirect (unknown client, unregistered redirect URI). */
export function renderErrorPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}
