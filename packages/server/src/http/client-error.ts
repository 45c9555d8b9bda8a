import type { Duplex } from 'node:stream';
import { ErrorCode } from '@syncline/protocol';
import { answeredBeforeBody } from './read-body.js';

/** How long a socket answered for a request Node could not read stays open for its peer to read the answer. */
export const CLIENT_ERROR_LINGER_MS = 2000;

/** The answer to each kind of unreadable request: Node's own status for it, with the documented error body. */
function answerOf(code: string | undefined): { status: string; code: string; message: string } {
  switch (code) {
    // A URL or headers over Node's limit (16 KiB in all), or too many headers.
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: '431 Request Header Fields Too Large',
        code: ErrorCode.TooLarge,
        message: 'the request line and headers are larger than the server reads (16 KB)',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: '413 Payload Too Large',
        code: ErrorCode.TooLarge,
        message: 'the chunk extensions of the body are too large',
      };
    // Node's `headersTimeout` (headers not whole in 60 s) or `requestTimeout` (request not whole in 300 s).
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: '408 Request Timeout',
        code: ErrorCode.Timeout,
        message: 'the request did not arrive in time; send it again',
      };
    default:
      return {
        status: '400 Bad Request',
        code: ErrorCode.Invalid,
        message: `unreadable request: ${code ?? 'malformed'}`,
      };
  }
}

/**
 * The HTTP server's `clientError` handler: a request Node cannot read (a malformed or oversized head, one that did not
 * arrive in time) is answered with Node's status for it (400, 408, 413, 431) and the documented error body, where
 * Node's own answer has no body. A socket whose response is already on its way is closed instead: a second status
 * line would be read as part of the first answer. The socket is then closed after `lingerMs` even if its peer never
 * closes its side (a bare `end()` only half-closes it).
 */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Duplex,
  lingerMs = CLIENT_ERROR_LINGER_MS,
): void {
  // Node's own guard: the response of the request being served (if any) has not started. A refused request whose
  // body is still being dropped (`discardBody`) may have had its whole answer already.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent || answeredBeforeBody(socket)) {
    socket.destroy();
    return;
  }
  const answer = answerOf(err.code);
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  socket.end(
    `HTTP/1.1 ${answer.status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // It has a moment to read the answer (destroyed at once, a peer with unread input in our buffer could be reset
  // before it has).
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
