// SPDX-License-Identifier: GPL-2.0-or-later
// A clean session from a Node ws client: the false-positive control.
//
//     node client.js URL        # e.g. ws://127.0.0.1:9101/clean
//
// Two connections, one after the other. 1: permessage-deflate on (threshold
// 0, so every message is compressed unless sent with compress: false): a
// compressed text, a compressed text in three fragments (the euro sign cut
// across two of them), a Ping, a 66000-byte binary message, an uncompressed
// text, then Close 1000 from the client. 2: no extension: the same messages
// uncompressed, so UTF-8 is checked on the wire, and then "please close",
// which makes the server close with 1000. Every step has a timeout; the exit
// status says whether both sessions completed.
'use strict';

const WebSocket = require('ws');

const url = process.argv[2];
const big = Buffer.alloc(66000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;

function session(pmd) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: pmd ? { threshold: 0 } : false });
    const timer = setTimeout(() => reject(new Error('timeout: ' + got + ' messages, pong ' + pong)), 5000);
    let got = 0;
    let pong = false;
    const expect = 6; // the websockets server's own message + 5 echoes
    let done = false;
    const finish = () => {
      if (done || got < expect || !pong) return;
      done = true;
      if (pmd) ws.close(1000, 'client bye');
      else ws.send('please close');
    };
    ws.on('open', () => {
      ws.send('hello, compressed or not');
      const text = Buffer.from('fragments: price \u20ac 5');
      const cut = text.length - 4; // after the first byte of the euro sign
      ws.send(text.subarray(0, 11), { binary: false, fin: false });
      ws.send(text.subarray(11, cut), { binary: false, fin: false });
      ws.send(text.subarray(cut), { binary: false, fin: true });
      ws.ping('client ping');
      ws.send(big);
      ws.send('sent without compression', { compress: false });
      ws.send('\u00e9t\u00e9 \u{1F600}');
    });
    ws.on('pong', () => {
      pong = true;
      finish();
    });
    ws.on('message', () => {
      got += 1;
      finish();
    });
    ws.on('error', (err) => reject(err));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      console.log(JSON.stringify({ pmd, code, reason: reason.toString(), messages: got, pong }));
      if (code === 1000 && got >= expect) resolve();
      else reject(new Error('unexpected close ' + code));
    });
  });
}

session(true)
  .then(() => session(false))
  .then(() => process.exit(0))
  .catch((err) => {
    console.error('client.js: ' + err.message);
    process.exit(1);
  });
