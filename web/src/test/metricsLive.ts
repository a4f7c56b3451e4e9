/** A WebSocket stand-in for the live-events connection whose frames a test pushes by hand. */
import { act } from '@testing-library/react';
import { vi } from 'vitest';

export class FakeLiveSocket {
  static readonly OPEN = 1;
  static instances: FakeLiveSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((message: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;

  constructor(readonly url: string) {
    FakeLiveSocket.instances.push(this);
  }

  send(): void {}
  close(): void {}
}

/** Install the fake socket (the one the app opens once signed in is `FakeLiveSocket.instances`). */
export function stubLiveSocket(): void {
  FakeLiveSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeLiveSocket);
}

let seq = 0;

/** Deliver a gateway event frame (`metrics.v1.updated`, ...) on every open live socket. */
export async function pushLiveEvent(type: string, data: Record<string, unknown> = {}): Promise<void> {
  seq += 1;
  const frame = {
    type: 'event',
    seq,
    event: { id: `e${seq}`, type, org_id: 'org-1', occurred_at: '2026-11-25T10:00:00Z', data },
  };
  await act(async () => {
    for (const socket of FakeLiveSocket.instances) socket.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  });
}
