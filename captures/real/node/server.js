// SPDX-License-Identifier: GPL-2.0-or-later
// The Node ws receiver: an echo server on loopback.
//
// ws defaults, except that permessage-deflate is switched on (the ws server
// has it off by default; the RSV1 cases need it) with threshold 0 so that
// every message it sends is compressed, and the close timeout is 2 s (bounded
// runs). On the path /clean it first talks itself (a fragmented text message
// whose euro sign is split across fragments, a Ping, an uncompressed message),
// so that a clean session exercises the server-to-client direction too; the
// text message "please close" makes it close with 1000.
// Every connection's outcome is logged as one JSON line on stdout. With a
// certificate and its key it serves wss (TLS) instead.
//
//     node server.js PORT [CERT KEY]     # runs until SIGTERM or SIGINT
'use strict';

const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const options = { perMessageDeflate: { threshold: 0 }, closeTimeout: 2000 };
const listening = () =>
  log({ event: 'listening', port, tls: Boolean(tls), ws: require('ws/package.json').version,
        node: process.version });

let tls = null;
let wss;
if (process.argv[3]) {
  tls = https.createServer({ cert: fs.readFileSync(process.argv[3]), key: fs.readFileSync(process.argv[4]) });
  wss = new WebSocketServer({ server: tls, ...options });
  tls.listen(port, '127.0.0.1', listening);
} else {
  wss = new WebSocketServer({ host: '127.0.0.1', port, ...options });
  wss.on('listening', listening);
}

wss.on('connection', (ws, req) => {
  const peerPort = req.socket.remotePort;
  const rec = { event: 'closed', peer_port: peerPort, case: req.headers['x-ws1002-case'] || '',
                path: req.url, extensions: ws.extensions, error: null };
  ws.on('error', (err) => {
    rec.error = err.message;
    rec.error_code = err.code;
  });
  ws.on('close', (code, reason) => {
    rec.close_code = code;
    rec.close_reason = reason.toString();
    log(rec);
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'please close') ws.close(1000, 'server bye');
    else ws.send(data, { binary: isBinary });
  });
  if (req.url === '/clean') {
    const text = Buffer.from('fragmented text from the server \u20ac');
    const cut = text.length - 2; // inside the three bytes of the euro sign
    ws.send(text.subarray(0, 11), { binary: false, fin: false });
    ws.send(text.subarray(11, cut), { binary: false, fin: false });
    ws.send(text.subarray(cut), { binary: false, fin: true });
    ws.ping('server ping');
    ws.send('not compressed', { compress: false });
  }
});

const stop = () => {
  for (const c of wss.clients) c.terminate();
  if (tls) tls.close();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
