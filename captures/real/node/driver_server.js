// SPDX-License-Identifier: GPL-2.0-or-later
// The websocket-driver receiver: an echo server on loopback, with
// permessage-deflate (the permessage-deflate package) as its only extension.
//
// It answers wsproto's offer "permessage-deflate; client_max_window_bits=15;
// server_max_window_bits=15" with a bare "permessage-deflate": 15 is the
// default, so leaving it out is legal (RFC 7692 §7.1.2.1). On the path
// /clean it first sends a text message of its own and a Ping; it echoes
// every message; the text "please close" makes it close with 1000. Every
// connection's outcome is logged as one JSON line on stdout.
//
//     node driver_server.js PORT     # runs until SIGTERM or SIGINT
'use strict';

const http = require('http');
const websocket = require('websocket-driver');
const deflate = require('permessage-deflate');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const sockets = new Set();

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});

server.on('upgrade', (req, socket, body) => {
  if (!websocket.isWebSocket(req)) return socket.destroy();
  sockets.add(socket);
  const driver = websocket.http(req);
  driver.addExtension(deflate);
  const rec = { event: 'closed', peer_port: socket.remotePort, path: req.url,
                offer: req.headers['sec-websocket-extensions'] || '', error: null };
  driver.io.write(body);
  socket.pipe(driver.io).pipe(socket);
  driver.on('open', () => {
    if (req.url === '/clean') {
      driver.text('hello from websocket-driver \u00e9\u20ac');
      driver.ping('server ping');
    }
  });
  driver.messages.on('data', (msg) => {
    if (msg === 'please close') driver.close('server bye', 1000);
    else if (typeof msg === 'string') driver.text(msg);
    else driver.binary(msg);
  });
  driver.on('error', (err) => { rec.error = err.message; });
  driver.on('close', (ev) => {
    rec.close_code = ev.code;
    rec.close_reason = ev.reason;
    log(rec);
    socket.end();
  });
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  driver.start();
});

server.listen(port, '127.0.0.1', () =>
  log({ event: 'listening', port, 'websocket-driver': require('websocket-driver/package.json').version,
        'permessage-deflate': require('permessage-deflate/package.json').version,
        node: process.version }));

const stop = () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
