/**
 * The browser end of the gateway's `/ws` live-events protocol (services/gateway/src/adpilot_gateway/live/endpoint.py):
 * authenticate in the first frame (never in the URL), answer pings, send a fresh token whenever the session
 * refreshes it, and reconnect with back-off, resuming from the last event seen (or being told to resync).
 */

export type LiveStatus = 'connecting' | 'live' | 'offline';

/** An event envelope as the services publish it. */
export interface LiveEvent {
  id: string;
  type: string;
  org_id: string | null;
  occurred_at: string;
  data: Record<string, unknown>;
}

export interface LiveOptions {
  url: string;
  /** A valid access token (the session refreshes it if needed), or null when signed out. */
  getToken: () => Promise<string | null>;
  onEvent: (event: LiveEvent) => void;
  /** Events were missed and cannot be replayed: refetch what is on screen. */
  onResync: () => void;
  onStatus: (status: LiveStatus) => void;
  createSocket?: (url: string) => WebSocket;
  retryDelaysMs?: number[];
}

/** Close codes of the gateway that reconnecting cannot fix. */
const FINAL_CODES = new Set([4403]);
export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class LiveConnection {
  #options: LiveOptions;
  #socket: WebSocket | null = null;
  #stopped = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #boot: string | null = null;
  #seq = 0;
  #sentToken: string | null = null;

  constructor(options: LiveOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#socket?.close(1000, 'signed out');
    this.#socket = null;
  }

  /** Give the open socket the session's current token (after a refresh) so the gateway keeps it open. */
  async refreshToken(): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const token = await this.#options.getToken();
    if (token && token !== this.#sentToken) {
      this.#sentToken = token;
      socket.send(JSON.stringify({ type: 'auth', token }));
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const token = await this.#options.getToken();
    if (this.#stopped) return;
    if (!token) {
      this.#options.onStatus('offline');
      return;
    }
    this.#options.onStatus('connecting');
    const socket = (this.#options.createSocket ?? ((url) => new WebSocket(url)))(this.#options.url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#sentToken = token;
      const resume = this.#boot === null ? undefined : { boot: this.#boot, seq: this.#seq };
      socket.send(JSON.stringify({ type: 'auth', token, resume }));
    };
    socket.onmessage = (message: MessageEvent) => this.#receive(socket, message);
    socket.onclose = (event: CloseEvent) => this.#closed(socket, event);
  }

  #receive(socket: WebSocket, message: MessageEvent): void {
    let frame: { type?: string; boot?: string; seq?: number; event?: LiveEvent };
    try {
      frame = JSON.parse(String(message.data)) as typeof frame;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ready':
        // A new gateway process numbers events anew (it also sends "resync" when a resume was asked for).
        if (frame.boot !== this.#boot) this.#seq = frame.seq ?? 0;
        this.#boot = frame.boot ?? null;
        this.#attempt = 0;
        this.#options.onStatus('live');
        break;
      case 'event':
        if (typeof frame.seq === 'number') this.#seq = frame.seq;
        if (frame.event) this.#options.onEvent(frame.event);
        break;
      case 'resync':
        this.#options.onResync();
        break;
      case 'ping':
        socket.send(JSON.stringify({ type: 'pong' }));
        break;
    }
  }

  #closed(socket: WebSocket, event: CloseEvent): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#options.onStatus('offline');
    if (this.#stopped || FINAL_CODES.has(event.code)) return;
    const delays = this.#options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[Math.min(this.#attempt, delays.length - 1)] ?? 30_000;
    this.#attempt += 1;
    this.#timer = setTimeout(() => void this.#connect(), delay);
  }
}

/** `ws://host/ws` or `wss://host/ws` for the page's own origin. */
export function liveUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
