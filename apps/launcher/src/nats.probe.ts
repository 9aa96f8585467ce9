import { connect } from '@nats-io/transport-node';

/**
 * Whether a NATS server answers at `url` within `timeoutMs`: a real client handshake (so credentials in
 * the URL are checked too), closed at once.
 */
export async function natsReachable(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false, maxReconnectAttempts: 0, name: 'launcher-probe' });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
