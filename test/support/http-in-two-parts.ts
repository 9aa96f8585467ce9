// Raw HTTP for graceful-stop tests: a request kept under way at the server while the test stops it, and a
// check that a port refuses new connections.
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A POST whose body arrives in two parts, with `meanwhile` run between them: the request is under way at
 * the server all that time. Resolves with the answer's status and headers (read until the server closes).
 */
export async function requestInTwoParts(baseUrl: string, path: string, headers: Record<string, string>, body: string, meanwhile: () => Promise<void>) {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close');
  const head = [`POST ${path} HTTP/1.1`, `host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${Buffer.byteLength(body)}`, '', ''];
  const half = Math.floor(body.length / 2);
  socket.write(head.join('\r\n') + body.slice(0, half));
  await meanwhile();
  socket.write(body.slice(half));
  await Promise.race([closed, sleep(15_000)]);
  socket.destroy();
  const text = Buffer.concat(chunks).toString('latin1');
  const [statusLine, ...lines] = text.slice(0, Math.max(0, text.indexOf('\r\n\r\n'))).split('\r\n');
  const answerHeaders = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine?.split(' ')[1]), headers: answerHeaders, body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

/** Whether a new connection to the URL's port is refused. */
export async function refuses(baseUrl: string): Promise<boolean> {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ECONNREFUSED';
  } finally {
    socket.destroy();
  }
}
