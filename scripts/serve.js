#!/usr/bin/env node
// Serves the static page (dist/web/, made by `npm run build`) on localhost
// with the headers that make it cross-origin isolated, so SharedArrayBuffer
// and WASM threads work:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// The page itself needs no server logic: any static host that sends these
// two headers (or none: then the wasm kernels run single-threaded) works.
//   npm run serve [-- --port N] [--host H] [--dir D]    (port 0 = any free port)
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_PORT = 8080;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Starts the server; resolves with { server, port, url } once listening. */
export function serve({ dir = join(root, 'dist/web'), port = DEFAULT_PORT, host = '127.0.0.1', quiet = false } = {}) {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const send = (code, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n');
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) return send(404, `not found: ${path}\n`);
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      const p = server.address().port;
      const url = `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${p}/`;
      if (!quiet) console.log(`serving ${dir} at ${url} (cross-origin isolated: COOP same-origin, COEP require-corp); Ctrl-C stops`);
      res({ server, port: p, url });
    });
  });
}

/**
 * Command-line options through commander (as the other CLIs): { port, host?, dir? },
 * or 'help' after printing the usage. Throws on a bad option or port.
 */
export function parseServeArgs(argv, write = (s) => process.stdout.write(s)) {
  const cmd = new Command('serve.js')
    .usage('[options]   (npm run serve -- [options])')
    .description('Serve the built page (dist/web) on localhost, cross-origin isolated.')
    .helpOption('-h, --help', 'show this help')
    .option('-p, --port <N>', 'port (0 = any free port)', (v) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`must be an integer in [0, 65535], got ${JSON.stringify(v)}`);
      return n;
    }, DEFAULT_PORT)
    .option('--host <H>', 'address to listen on (default 127.0.0.1)')
    .option('--dir <D>', 'folder to serve (default dist/web)', (v) => resolve(v))
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: () => {} });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 'help';
      throw new Error(e.message.replace(/^error: /, ''));
    }
    throw e;
  }
  const o = cmd.opts();
  return { port: o.port, ...(o.host !== undefined ? { host: o.host } : {}), ...(o.dir !== undefined ? { dir: o.dir } : {}) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseServeArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve: error: ${e.message}`);
    process.exit(2);
  }
  if (opts === 'help') process.exit(0);
  const dir = opts.dir ?? join(root, 'dist/web');
  if (!existsSync(join(dir, 'index.html'))) {
    console.error(`serve: error: ${dir}/index.html not found: run npm run build first`);
    process.exit(2);
  }
  serve({ ...opts, dir }).catch((e) => {
    console.error(`serve: error: ${e.message}`);
    process.exit(1);
  });
}
