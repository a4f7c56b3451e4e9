import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, type LiveEvent, type LiveStatus } from './liveConnection';

/** A WebSocket the test drives: it records frames sent and lets the test play the gateway. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;

  constructor(public url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

function event(id: string, type = 'campaign.v1.updated'): LiveEvent {
  return { id, type, org_id: 'org-1', occurred_at: '2026-11-25T10:00:00Z', data: {} };
}

function setup(tokens: (string | null)[] = ['t1']) {
  const events: LiveEvent[] = [];
  const statuses: LiveStatus[] = [];
  const onResync = vi.fn();
  let call = 0;
  const connection = new LiveConnection({
    url: 'ws://gateway/ws',
    getToken: async () => tokens[Math.min(call++, tokens.length - 1)] ?? null,
    onEvent: (e) => events.push(e),
    onResync,
    onStatus: (s) => statuses.push(s),
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    retryDelaysMs: [10, 20],
  });
  return { connection, events, statuses, onResync };
}

async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
  vi.stubGlobal('WebSocket', { OPEN: 1 });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('LiveConnection', () => {
  it('authenticates in the first frame, delivers events and answers pings', async () => {
    const { connection, events, statuses } = setup();
    connection.start();
    await settle();
    const socket = FakeSocket.instances[0]!;
    expect(socket.url).toBe('ws://gateway/ws');
    socket.open();
    expect(socket.sent[0]).toEqual({ type: 'auth', token: 't1' });
    socket.receive({ type: 'ready', boot: 'b1', seq: 7 });
    socket.receive({ type: 'event', seq: 8, event: event('e8') });
    socket.receive({ type: 'ping' });
    expect(events.map((e) => e.id)).toEqual(['e8']);
    expect(socket.sent[1]).toEqual({ type: 'pong' });
    expect(statuses).toEqual(['connecting', 'live']);
    connection.stop();
  });

  it('reconnects with back-off and resumes after the last event seen', async () => {
    const { connection, statuses } = setup(['t1', 't2']);
    connection.start();
    await settle();
    const first = FakeSocket.instances[0]!;
    first.open();
    first.receive({ type: 'ready', boot: 'b1', seq: 3 });
    first.receive({ type: 'event', seq: 5, event: event('e5') });
    first.drop(1006);
    expect(statuses.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(10);
    const second = FakeSocket.instances[1]!;
    second.open();
    expect(second.sent[0]).toEqual({ type: 'auth', token: 't2', resume: { boot: 'b1', seq: 5 } });
    connection.stop();
  });

  it('passes a resync on, and gives up on a refusal reconnecting cannot fix', async () => {
    const { connection, onResync } = setup();
    connection.start();
    await settle();
    const socket = FakeSocket.instances[0]!;
    socket.open();
    socket.receive({ type: 'ready', boot: 'b2', seq: 0 });
    socket.receive({ type: 'resync' });
    expect(onResync).toHaveBeenCalledTimes(1);
    socket.drop(4403);
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('sends a refreshed token on the open socket, once', async () => {
    const { connection } = setup(['t1', 't1-refreshed']);
    connection.start();
    await settle();
    const socket = FakeSocket.instances[0]!;
    socket.open();
    await connection.refreshToken();
    await connection.refreshToken();
    expect(socket.sent).toEqual([
      { type: 'auth', token: 't1' },
      { type: 'auth', token: 't1-refreshed' },
    ]);
  });

  it('stays offline without a token', async () => {
    const { connection, statuses } = setup([null]);
    connection.start();
    await settle();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(statuses).toEqual(['offline']);
  });
});
