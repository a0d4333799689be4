/**
 * The wire path: the routes a switch asks on every call (and an SMS hub on every message) answered
 * straight from Node's HTTP server, in front of Fastify.
 *
 * On those routes Fastify's request and reply objects, its hooks, routing and content-type
 * machinery cost more CPU than deciding the call (DESIGN.md §6's budget is set against a bare
 * handler). The wire path takes a request only in the one ordinary shape an operator's switch
 * sends — `POST` to the exact path, a JSON body with its length declared and within the limit, a
 * bearer key of an operator — and reads, decides and writes it itself. Every other request (no key,
 * another principal, another content type, a chunked or encoded body, a query string, a server
 * closing) goes to Fastify untouched, which answers it exactly as before. The Fastify route stays
 * registered: it documents the route in OpenAPI, serves those other requests and `inject` in tests.
 *
 * What a taken request gets is what Fastify would have sent: the same status, headers that matter
 * (content type and length) and bytes, the same error codes (INVALID_JSON for a body that is not
 * JSON or carries `__proto__`/`constructor.prototype`, the route's own parse errors, the service's
 * errors, 500 INTERNAL logged), and the same request-duration metric. `src/platform/wire-path.test.ts`
 * sends one set of requests both ways and compares the answers.
 */
import { isAscii } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import secureJson from 'secure-json-parse';
import type { Principal } from '../auth/principal.ts';
import { AppError, errorBody } from '../errors.ts';
import { Phase, phaseAdd, phaseStart, phaseTiming, wireTurns } from './phases.ts';

/** One route of the wire path. */
export interface WireRoute {
  /** The body's bytes to the request value; throws an AppError (or any error: INVALID_JSON). */
  parse(bytes: Buffer): unknown;
  /** The 200 answer's JSON for an operator, or a promise of it; throws an AppError for a refusal. */
  answer(body: unknown, operatorId: string): string | Buffer | Promise<string | Buffer>;
}

export interface WirePath {
  /** Serves `POST path` on the wire path (the same path must also be a Fastify route). */
  serve(path: string, route: WireRoute): void;
  /** Takes the request if it has the ordinary shape (true), or leaves it to Fastify (false). */
  take(request: IncomingMessage, response: ServerResponse): boolean;
  /** From now on every request goes to Fastify (it answers 503 while closing). */
  close(): void;
}

export interface WirePathOptions {
  bodyLimit: number;
  authenticate: (token: string) => Principal | null;
  requestDuration?: { child(labels: Record<string, string>): { observe(value: number): void } };
  /** Unexpected errors (answered 500 INTERNAL). */
  logError(error: unknown): void;
}

const jsonType = 'application/json; charset=utf-8';
const parseOptions = { protoAction: 'error', constructorAction: 'error' } as const;

/** Over this many bytes a body with non-ASCII text may decode to a string V8 keeps apart (see below). */
const largeBody = 64 * 1024;
/** Under this many bytes the two regexes of secure-json-parse cost less than looking for the words. */
const smallBody = 4 * 1024;
const unicodeEscape = Buffer.from('\\u');
const protoWord = Buffer.from('__proto__');
const constructorWord = Buffer.from('constructor');
const nonAscii = /[\x80-\xff]/;

/**
 * Whether plain `JSON.parse` reads `bytes` as secure-json-parse would: without `\u` escapes a
 * poisoning key can only be written as it is, so a body holding neither word needs no more (the
 * library would look for both with its regexes, over the whole text); a byte order mark it strips
 * and JSON.parse refuses.
 */
function plainJson(bytes: Buffer): boolean {
  return (
    bytes[0] !== 0xef &&
    bytes.indexOf(unicodeEscape) === -1 &&
    bytes.indexOf(protoWord) === -1 &&
    bytes.indexOf(constructorWord) === -1
  );
}

/** A body read by secure-json-parse, as Fastify's default parser reads it. */
function parseSecure(bytes: Buffer): unknown {
  return secureJson.parse(bytes.toString('utf8'), undefined, parseOptions);
}

/** A JSON body as Fastify's default parser reads it (UTF-8, prototype poisoning refused). */
export function parseJsonBody(bytes: Buffer): unknown {
  return bytes.length > smallBody && plainJson(bytes) ? JSON.parse(bytes.toString('utf8')) : parseSecure(bytes);
}

/** Bytes of the text decoded in one piece when a batch body is read piecewise (`parseItems`). */
const itemsPiece = 16 * 1024;
const itemBoundary = Buffer.from('},{"');

/**
 * A batch body of the one shape `{"name":[…]}` (no white space around its name and brackets) read
 * in pieces of about 16 kB of its items, each decoded and parsed as an array on its own; undefined
 * when the body has another shape or a piece is not JSON. A piece ends where `},{"` stands; when
 * that is inside a string, the piece ends inside the string and does not parse. Each piece starts
 * where a real item starts, so a piece that parses ends at a real item's end: the pieces' items in
 * order are the array's. A piece's text stays under V8's 128 KiB limit, over which a string of two
 * bytes a character (Cyrillic) goes to its large-object space (see `parseUtf8JsonBody`).
 */
function parseItems(bytes: Buffer): unknown {
  if (bytes[0] !== 0x7b || bytes[1] !== 0x22) return undefined;
  let i = 2;
  for (let c = bytes[i]; i < 66 && ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95); c = bytes[++i]);
  if (i === 2 || bytes[i] !== 0x22 || bytes[i + 1] !== 0x3a || bytes[i + 2] !== 0x5b) return undefined;
  const end = bytes.length - 2;
  if (bytes[end] !== 0x5d || bytes[end + 1] !== 0x7d || end < i + 3) return undefined;
  let items: unknown[] = [];
  try {
    for (let start = i + 3; start < end; ) {
      const boundary = end - start > itemsPiece ? bytes.indexOf(itemBoundary, start + itemsPiece) : -1;
      const pieceEnd = boundary >= 0 && boundary < end ? boundary + 1 : end;
      const piece = JSON.parse(`[${bytes.toString('utf8', start, pieceEnd)}]`) as unknown[];
      if (items.length === 0) items = piece;
      else for (let k = 0; k < piece.length; k++) items.push(piece[k]);
      start = pieceEnd + 1;
    }
  } catch {
    return undefined;
  }
  return { [bytes.toString('latin1', 2, i)]: items };
}

/**
 * A JSON body of bytes already known to be valid UTF-8: the same value as `parseJsonBody`, read
 * faster when large. A batch of messages in Cyrillic decodes to a string of two bytes a character;
 * over 128 KiB V8 allocates it in its large-object space, and decoding such a 90 kB body cost
 * 1.1 µs a message against 0.44 for one of 54 kB (bench/sms.ts's batch: 16 % of the server's CPU).
 * A batch body is read in pieces under that size (`parseItems`: 1.26 → 0.85 µs a message in a
 * micro-bench of the bench's batch). Another large body is read as Latin-1 (one byte a
 * character, no decoding) and only its strings that hold non-ASCII bytes are decoded afterwards.
 * That is exact because every byte of a multi-byte UTF-8 sequence is ≥ 0x80, so none is a quote, a
 * backslash or JSON syntax, and JSON outside strings is ASCII. A body with a `\u` escape (which
 * Latin-1 reading would mix with raw bytes) or a poisoning word is decoded whole.
 */
export function parseUtf8JsonBody(bytes: Buffer): unknown {
  if (bytes.length <= largeBody) return parseJsonBody(bytes);
  if (!plainJson(bytes)) return parseSecure(bytes);
  const items = parseItems(bytes);
  if (items !== undefined) return items;
  const value = JSON.parse(bytes.toString('latin1'));
  return isAscii(bytes) ? value : decodeStrings(value);
}

/** A string read as Latin-1, decoded as the UTF-8 it holds. */
function decodeString(text: string): string {
  return nonAscii.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/**
 * The ASCII keys met at each position of the last objects: the items of a batch repeat the same
 * keys in the same order, and JSON.parse gives each the same (internalized) string, so a key is
 * known by one comparison. Kept for the first 64 positions.
 */
const asciiKeys: string[] = [];

/**
 * `value` with every string (and key) read as Latin-1 decoded as the UTF-8 it holds. Only the
 * strings that change are written back.
 */
function decodeStrings(value: unknown): unknown {
  if (typeof value === 'string') return decodeString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const decoded = decodeStrings(value[i]);
      if (decoded !== value[i]) value[i] = decoded;
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  let keyToDecode = false;
  let position = 0;
  for (const key in object) {
    if (key !== asciiKeys[position]) {
      if (nonAscii.test(key)) keyToDecode = true;
      else if (position < 64) asciiKeys[position] = key;
    }
    position++;
    const decoded = decodeStrings(object[key]);
    if (decoded !== object[key]) object[key] = decoded;
  }
  if (!keyToDecode) return object;
  // Rebuilt so that the keys keep their order.
  const decoded: Record<string, unknown> = {};
  for (const key in object) decoded[decodeString(key)] = object[key];
  return decoded;
}

/** An answer waiting for the end of the turn (see `send`). */
interface Answer {
  route: Served;
  response: ServerResponse;
  status: number;
  payload: string | Buffer;
  started: number;
  /** When it was queued (phase timing only). */
  queued: number;
}

interface Served extends WireRoute {
  path: string;
  /** Request-duration children by status. */
  durations: Map<number, { observe(value: number): void }>;
}

export function createWirePath(options: WirePathOptions): WirePath {
  const routes = new Map<string, Served>();
  const { bodyLimit, authenticate, requestDuration, logError } = options;
  let open = true;

  const observe = (route: Served, status: number, started: number) => {
    if (!requestDuration) return;
    let child = route.durations.get(status);
    if (!child) {
      child = requestDuration.child({ route: route.path, method: 'POST', status: String(status) });
      route.durations.set(status, child);
    }
    const seconds = (performance.now() - started) / 1000;
    if (phaseTiming.on) {
      const t = performance.now();
      child.observe(seconds);
      phaseAdd(Phase.requestMetrics, performance.now() - t);
    } else child.observe(seconds);
  };

  /**
   * Answers are written together once the turn of the event loop that decided them is over (in
   * `setImmediate`, right after the poll phase read every request that had arrived), not one by
   * one as each is decided. On loopback and on a virtual machine a `write` that wakes an idle peer
   * costs several µs more than one that finds it awake: written back to back, only the first of a
   * turn's answers pays for that, and the switch gets its answers (and sends its next calls) in a
   * burst. In the bench this cut the server's CPU per verify by about a sixth. The wait it adds is
   * the rest of the turn: under load a turn decides many requests, so tens of µs on average (the
   * bench's breakdown shows it as its own phase), with p99 unchanged.
   */
  const pending: Answer[] = [];
  let flushScheduled = false;
  const writeAnswers = () => {
    flushScheduled = false;
    const answers = pending.splice(0);
    if (phaseTiming.on) {
      wireTurns.turns++;
      wireTurns.answers += answers.length;
    }
    for (let i = 0; i < answers.length; i++) {
      try {
        write(answers[i], i === 0);
      } catch (error) {
        logError(error);
      }
    }
  };
  const write = ({ route, response, status, payload, started, queued }: Answer, firstOfTurn: boolean) => {
    const t = phaseTiming.on ? performance.now() : 0;
    if (phaseTiming.on) phaseAdd(Phase.answerWait, t - queued);
    response.writeHead(status, {
      'content-type': jsonType,
      'content-length': typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length,
    });
    response.end(payload);
    if (phaseTiming.on) phaseAdd(firstOfTurn ? Phase.writeFirst : Phase.write, performance.now() - t);
    observe(route, status, started);
  };
  const send = (route: Served, response: ServerResponse, status: number, payload: string | Buffer, started: number) => {
    pending.push({ route, response, status, payload, started, queued: phaseTiming.on ? performance.now() : 0 });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(writeAnswers);
    }
  };

  const fail = (route: Served, response: ServerResponse, error: unknown, started: number) => {
    if (error instanceof AppError) {
      send(route, response, error.status, JSON.stringify(errorBody(error.code, error.message)), started);
    } else {
      logError(error);
      send(route, response, 500, JSON.stringify(errorBody('INTERNAL', 'internal error; it has been logged')), started);
    }
  };

  const decide = (route: Served, response: ServerResponse, bytes: Buffer, operatorId: string, started: number) => {
    let body: unknown;
    try {
      body = route.parse(bytes);
    } catch (error) {
      return fail(
        route,
        response,
        error instanceof AppError ? error : new AppError('INVALID_JSON', 'the body is not valid JSON'),
        started,
      );
    }
    if (phaseTiming.on) {
      phaseAdd(Phase.parse, performance.now() - started);
      phaseStart();
    }
    let answer: string | Buffer | Promise<string | Buffer>;
    try {
      answer = route.answer(body, operatorId);
    } catch (error) {
      return fail(route, response, error, started);
    }
    if (answer instanceof Promise) {
      answer.then(
        (payload) => send(route, response, 200, payload, started),
        (error) => fail(route, response, error, started),
      );
    } else send(route, response, 200, answer, started);
  };

  return {
    serve(path, route) {
      routes.set(path, { ...route, path, durations: new Map() });
    },

    take(request, response) {
      if (!open || request.method !== 'POST') return false;
      const route = routes.get(request.url as string);
      if (!route) return false;
      const headers = request.headers;
      const type = headers['content-type'];
      if (type !== 'application/json' && type?.toLowerCase() !== jsonType) return false;
      if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
      const length = Number(headers['content-length']);
      if (!(length > 0 && length <= bodyLimit)) return false;
      const authorization = headers.authorization;
      if (!authorization?.startsWith('Bearer ')) return false;
      const started = performance.now();
      const principal = authenticate(authorization.slice(7).trim());
      if (principal?.kind !== 'operator') return false;
      if (phaseTiming.on) phaseAdd(Phase.auth, performance.now() - started);
      const operatorId = principal.operatorId;

      let first: Buffer | undefined;
      let chunks: Buffer[] | undefined;
      request.on('data', (chunk: Buffer) => {
        if (first === undefined) first = chunk;
        else {
          chunks ??= [first];
          chunks.push(chunk);
        }
      });
      request.on('end', () => {
        const bytes = chunks ? Buffer.concat(chunks) : first;
        // Node's parser delivers exactly content-length bytes, or the request is aborted.
        if (bytes?.length === length) decide(route, response, bytes, operatorId, started);
        else fail(route, response, new AppError('BAD_REQUEST', 'the request cannot be processed'), started);
      });
      return true;
    },

    close() {
      open = false;
    },
  };
}
