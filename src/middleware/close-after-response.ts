import type { Request, Response } from 'express';

/** Long enough for a client to read the answer before the connection goes; short enough to hold no one. */
const LINGER_MS = 2_000;

/**
 * For an answer given before the request's body was read (a refused upload, a form over the size
 * limit): once the response is sent, the connection is closed in stages (RFC 9112, section 9.6) with
 * Node's public API. Our side ends first (`end()`: the client reads the answer, then end of stream);
 * what the client is still sending is read and thrown away, so no unread data is left to turn the
 * close into a reset; the socket goes when the client closes it, or LINGER_MS later at most. Closing
 * at once with the client's bytes unread would send a reset, and a reset makes the client's system
 * throw away an answer it has not read yet: the user would see "connection reset" instead of the reason.
 */
export function closeAfterResponse(req: Request, res: Response): void {
  const socket = req.socket;
  res.once('finish', () => {
    socket.end();
    req.resume();
    const lingering = setTimeout(() => socket.destroy(), LINGER_MS);
    lingering.unref();
    socket.once('close', () => clearTimeout(lingering));
  });
}
