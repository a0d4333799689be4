/** The part of the npm `smpp` package (SMPP 3.4 client, server and PDU codec) this project uses. */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  export interface PDU {
    command: string;
    command_id: number;
    command_length: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
    toBuffer(): Buffer;
  }

  export interface Session extends EventEmitter {
    socket: Socket;
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  const smpp: {
    PDU: { new (command: string | Buffer, options?: Record<string, unknown>): PDU; maxLength: number };
    createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
    connect(options: Record<string, unknown>, listener?: () => void): Session;
    errors: Record<string, number>;
    consts: Record<string, Record<string, number>>;
    encodings: Record<string, { encode(text: string): Buffer; decode(bytes: Buffer): string }>;
    commands: Record<string, { id: number }>;
    commandsById: Record<number, { command: string }>;
  };
  export default smpp;
}
