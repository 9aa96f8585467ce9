import { PAGE_STYLE } from '../html-page.util.js';
import { escapeHtml } from '../login-page.view.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><header>Key Manager</header><main><h1>${escapeHtml(title)}</h1>
${body}</main></body></html>`;
}

function error(message: string | undefined): string {
  return message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
}

/** Step 1: "enter the code your device shows" (a GET form to the same page). */
export function renderEnterCodePage(model: { error?: string; typed?: string } = {}): string {
  return page(
    'Connect a device',
    `<p>Enter the code shown on your device.</p>
${error(model.error)}
<form method="get" action="device" autocomplete="off">
<label for="user_code">Code</label><input type="text" id="user_code" name="user_code" class="code" value="${escapeHtml(model.typed ?? '')}" placeholder="XXXX-XXXX" required autofocus>
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
  );
}

/** Step 2: what the device asks for, and the user's sign-in to allow it. */
export function renderApprovePage(model: { userCode: string; clientId: string; clientName: string; scopes: string[]; username?: string; error?: string }): string {
  const scopes = model.scopes.length > 0 ? `<p>Requested scopes: ${model.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>` : '';
  return page(
    'Allow a device',
    `<p>A device running <strong>${escapeHtml(model.clientName)}</strong> (<code>${escapeHtml(model.clientId)}</code>) asks to act on your behalf.
Allow it only if the code <span class="code">${escapeHtml(model.userCode)}</span> is the one your device shows.</p>
${scopes}${error(model.error)}
<form method="post" action="device" autocomplete="off">
<input type="hidden" name="user_code" value="${escapeHtml(model.userCode)}">
<label for="username">User name</label><input type="text" id="username" name="username" value="${escapeHtml(model.username ?? '')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<div class="actions"><button type="submit" name="action" value="approve">Sign in and allow</button>
<button type="submit" name="action" value="deny" formnovalidate>Deny</button></div>
</form>`,
  );
}

/** The end: allowed or denied; the user goes back to the device. */
export function renderDonePage(approved: boolean): string {
  return approved
    ? page('Device connected', '<p>You may close this window and return to your device.</p>')
    : page('Request denied', '<p>The device was not allowed to act on your behalf. You may close this window.</p>');
}
