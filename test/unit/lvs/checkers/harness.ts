// Running probes in unit tests: a VirtualClock for every bound, real loopback servers, and outcomes awaited by
// event-loop turns (test/unit/ioTurns.ts), never by sleeping.
import net from 'node:net';
import dgram from 'node:dgram';
import type { ProbeOutcome } from '../../../../src/lvs/checkers/types.js';
import { untilIo } from '../../ioTurns.js';

export interface Pending {
  readonly done: () => boolean;
  readonly value: () => ProbeOutcome;
}

export function track(p: Promise<ProbeOutcome>): Pending {
  let out: ProbeOutcome | undefined;
  void p.then((o) => (out = o));
  return { done: () => out !== undefined, value: () => out! };
}

export async function outcome(p: Promise<ProbeOutcome> | Pending): Promise<ProbeOutcome> {
  const t = 'done' in p ? p : track(p);
  await untilIo('probe outcome', t.done);
  return t.value();
}

export function failure(o: ProbeOutcome): { reason: string; detail: string } {
  if (o.ok) throw new Error(`expected a failure, got success ${JSON.stringify(o)}`);
  return { reason: o.reason, detail: o.detail };
}

export async function listenTcp(host: string, onConn: (c: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(onConn);
  let up = false;
  server.listen(0, host, () => (up = true));
  await untilIo('tcp listen', () => up);
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A port nothing listens on (bound then released). */
export async function closedTcpPort(host = '127.0.0.1'): Promise<number> {
  const { server, port } = await listenTcp(host, () => undefined);
  let closed = false;
  server.close(() => (closed = true));
  await untilIo('tcp close', () => closed);
  return port;
}

export async function listenUdp(type: 'udp4' | 'udp6', host: string, onMsg: (msg: Buffer, rinfo: dgram.RemoteInfo, sock: dgram.Socket) => void): Promise<{ sock: dgram.Socket; port: number }> {
  const sock = dgram.createSocket(type);
  sock.on('message', (m, r) => onMsg(m, r, sock));
  let up = false;
  sock.bind(0, host, () => (up = true));
  await untilIo('udp bind', () => up);
  return { sock, port: sock.address().port };
}

export async function closedUdpPort(type: 'udp4' | 'udp6' = 'udp4', host = '127.0.0.1'): Promise<number> {
  const { sock, port } = await listenUdp(type, host, () => undefined);
  let closed = false;
  sock.close(() => (closed = true));
  await untilIo('udp close', () => closed);
  return port;
}

export const isRoot = (): boolean => process.getuid?.() === 0;
