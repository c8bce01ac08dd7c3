// The live queue feed: a WebSocket that reconnects by itself and says when it is down.
import type { FollowUp, TokenSource } from "./api";

export type FeedState = "connecting" | "live" | "disconnected";

export interface FeedHandlers {
  /** Changed follow-ups, whole. */
  onFollowUps: (changed: FollowUp[]) => void;
  /** Changed follow-ups too large to push: fetch them through the API. */
  onReload: (ids: string[]) => void;
  onState: (state: FeedState) => void;
  /** Connected again after the feed was down, or told by the server that pushes to this
   * app were missed (a `resync` message): what changed meanwhile never came. */
  onResumed: () => void;
}

/** Each connection asks `token` for the ID token of the moment: one that expired while the
 * feed was down is renewed before the feed connects again. */
export function openFeed(
  url: string,
  token: TokenSource,
  { onFollowUps, onReload, onState, onResumed }: FeedHandlers,
): () => void {
  let socket: WebSocket | null = null;
  let retry = 0;
  let timer: number | undefined;
  let closed = false;
  let dropped = false;

  const retryLater = () => {
    const wait = Math.min(30_000, 1000 * 2 ** retry++);
    timer = window.setTimeout(connect, wait);
  };
  const connect = async () => {
    // After a drop it stays "disconnected" until it is back, not flickering at each try.
    if (!dropped) onState("connecting");
    let offered: string;
    try {
      offered = await token();
    } catch {
      onState("disconnected");
      dropped = true;
      if (!closed) retryLater();
      return;
    }
    if (closed) return;
    // The token rides as a subprotocol: browsers log the URL of a socket that fails.
    socket = new WebSocket(url, ["followup.live", offered]);
    socket.onopen = () => {
      retry = 0;
      onState("live");
      if (dropped) onResumed();
      dropped = false;
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      if (message.type === "followups") onFollowUps(message.followups as FollowUp[]);
      else if (message.type === "reload") onReload(message.ids as string[]);
      else if (message.type === "resync") onResumed();
    };
    socket.onclose = () => {
      onState("disconnected");
      dropped = true;
      if (closed) return;
      retryLater();
    };
  };
  void connect();
  const ping = window.setInterval(() => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "ping" }));
  }, 60_000);
  return () => {
    closed = true;
    window.clearTimeout(timer);
    window.clearInterval(ping);
    const last = socket;
    if (!last) return;
    last.onmessage = null;
    last.onclose = null;
    // Closing a socket before it opens makes the browser log a warning: let it open first.
    if (last.readyState === WebSocket.CONNECTING) last.onopen = () => last.close();
    else last.close();
  };
}
