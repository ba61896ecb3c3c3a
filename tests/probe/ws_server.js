// SPDX-License-Identifier: GPL-2.0-or-later
// The Node ws receiver for the probe tests: an echo server on 127.0.0.1,
// with the settings of captures/real/node/server.js (permessage-deflate on
// with threshold 0, close timeout 2 s), so that the reactions recorded in
// captures/real hold. With a certificate and key it serves wss://.
// It listens on a free port and prints {"listening": PORT} when ready.
//
//     node ws_server.js [CERT KEY]      # runs until SIGTERM
'use strict';

const fs = require('fs');
const { WebSocketServer } = require('ws');

const [cert, key] = process.argv.slice(2);
const options = { perMessageDeflate: { threshold: 0 }, closeTimeout: 2000 };
let wss;
let listening;
if (cert) {
  const server = require('https').createServer({
    cert: fs.readFileSync(cert),
    key: fs.readFileSync(key)
  });
  wss = new WebSocketServer({ server, ...options });
  listening = (cb) => server.listen(0, '127.0.0.1', () => cb(server.address().port));
} else {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  listening = (cb) => wss.on('listening', () => cb(wss.address().port));
}

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

listening((port) => process.stdout.write(JSON.stringify({ listening: port }) + '\n'));

const stop = () => {
  for (const c of wss.clients) c.terminate();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
