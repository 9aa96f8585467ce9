// The Key Manager's sign-in page (GET/POST /oauth2/authorize) driven over plain HTTP, as a browser submits it.

/**
 * Drives the authorization endpoint as a browser would: GET the sign-in page, submit it with the user's
 * credentials and every hidden field, and return the redirect the Key Manager answers with.
 */
export async function signInAndAuthorize(authorizationUrl: URL, username: string, password: string): Promise<{ status: number; location: string | null; page: string }> {
  const pageResponse = await fetch(authorizationUrl, { redirect: 'manual' });
  const page = await pageResponse.text();
  if (pageResponse.status !== 200) return { status: pageResponse.status, location: pageResponse.headers.get('location'), page };
  const form = new URLSearchParams();
  for (const match of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.append(unescapeHtml(match[1]!), unescapeHtml(match[2]!));
  form.append('username', username);
  form.append('password', password);
  form.append('action', 'approve');
  const submitted = await fetch(new URL('/oauth2/authorize', authorizationUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return { status: submitted.status, location: submitted.headers.get('location'), page: await submitted.text() };
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
