/**
 * The upstream SMSC of the SMPP benchmark: an SMPP server of the `smpp` package that accepts any
 * bind and answers every submit_sm at once. Prints its address.
 */
import smpp, { type PDU } from 'smpp';

let ids = 0;
const server = smpp.createServer({}, (session) => {
  session.on('error', () => {});
  for (const bind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver'])
    session.on(bind, (pdu: PDU) => session.send(pdu.response()));
  session.on('submit_sm', (pdu: PDU) => session.send(pdu.response({ message_id: String(++ids) })));
  session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
  session.on('unbind', (pdu: PDU) => {
    session.send(pdu.response());
    session.close();
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`smsc 127.0.0.1:${(server.address() as { port: number }).port}\n`);
});
