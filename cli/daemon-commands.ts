import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { daemonUrl, findDaemon, servesTls, type DaemonInfo } from '../host/daemon/run-file.js';
import { daemonTls } from './pinned-tls.js';
import { readToken } from '../host/daemon/token.js';
import { requestJson } from './http-json.js';
import { count, port } from './options.js';
import { bold, dim, green, printJson, red, untrusted, yellow } from './render.js';
import { fail, getOutput } from './run.js';
import { sleep } from '../servers/shared/sleep.js';

async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

async function healthy(info: DaemonInfo): Promise<boolean> {
  try {
    return (await requestJson(`${daemonUrl(info)}/health`, { timeoutMs: 2000, tls: daemonTls(info) })).status === 200;
  } catch {
    return false;
  }
}

export function registerDaemonCommands(program: Command): void {
  program
    .command('serve')
    .description('run the daemon in the foreground (Ctrl-C stops it)')
    .option('--host <address>', 'listen address (default from config.yaml: 127.0.0.1)')
    .option('--port <port>', 'listen port, 0 for any free one (default from config.yaml: 8443)', port)
    .action(async (opts: { host?: string; port?: number }) => {
      const { runDaemon } = await import('../host/daemon/daemon.js');
      try {
        const d = await runDaemon({
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
        });
        console.log(
          `optagon daemon listening on ${daemonUrl(d)} (pid ${process.pid}); logs: ${new OptagonHome().daemonLog}`,
        );
        for (const signal of ['SIGTERM', 'SIGINT'] as const) {
          process.once(signal, () => void d.shutdown(signal).then(() => process.exit(0)));
        }
      } catch (err) {
        fail((err as Error).message);
      }
    });

  const daemon = program.command('daemon').description('the background daemon every client talks to');

  daemon
    .command('start')
    .description('start the daemon in the background')
    .action(async () => {
      const home = new OptagonHome();
      const running = findDaemon(home);
      if (running) return report(running, 'already running');
      mkdirSync(home.daemonLogDir, { recursive: true, mode: 0o700 });
      const errLog = join(home.daemonLogDir, 'stderr.log');
      const out = openSync(errLog, 'a', 0o600);
      const main = process.argv[1]!; // this same CLI, bundled or not
      const child = spawn(process.execPath, [main, 'serve'], {
        detached: true,
        stdio: ['ignore', out, out],
        env: process.env,
      });
      let exited: number | null = null;
      child.on('exit', (code) => (exited = code ?? 1));
      child.unref();
      const up = await waitUntil(
        async () => exited !== null || Boolean(findDaemon(home) && (await healthy(findDaemon(home)!))),
        30_000,
      );
      const info = findDaemon(home);
      if (!up || !info || exited !== null) {
        const tail = existsSync(errLog) ? readFileSync(errLog, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
        return fail(`the daemon did not start${tail ? `:\n${tail}` : ''}\n(full output in ${errLog})`);
      }
      report(info, 'started');
    });

  daemon
    .command('stop')
    .description('stop the daemon; calls in flight finish first')
    .action(async () => {
      const home = new OptagonHome();
      const info = findDaemon(home);
      if (!info) {
        if (getOutput().json) printJson({ running: false });
        else console.log(dim('no daemon is running'));
        return;
      }
      process.kill(info.pid, 'SIGTERM');
      if (!(await waitUntil(() => !findDaemon(home), 20_000)))
        return fail(`the daemon (pid ${info.pid}) did not stop within 20 s; kill it with: kill -9 ${info.pid}`);
      if (getOutput().json) printJson({ running: false, stopped: info.pid });
      else console.log(`stopped the daemon (pid ${info.pid})`);
    });

  daemon
    .command('status')
    .description('whether the daemon runs, where, and for how long (exit 1 when it does not)')
    .action(async () => {
      const home = new OptagonHome();
      const info = findDaemon(home);
      if (!info) {
        if (getOutput().json) printJson({ running: false });
        else console.log(`${yellow('not running')}; start it with: optagon daemon start`);
        process.exitCode = 1;
        return;
      }
      const res = await requestJson(`${daemonUrl(info)}/api/status`, {
        token: readToken(home.tokenFile),
        timeoutMs: 5000,
        tls: daemonTls(info),
      }).catch(() => undefined);
      const status =
        res?.status === 200 ? (res.body as { uptimeMs: number; sessions: number; servers: string[] }) : undefined;
      if (getOutput().json)
        return printJson({ running: true, url: daemonUrl(info), ...info, ...(status ?? { answering: false }) });
      if (!status)
        return fail(
          `the daemon (pid ${info.pid}) runs but does not answer at ${daemonUrl(info)}; see optagon daemon logs`,
        );
      console.log(
        `${green('running')} at ${bold(daemonUrl(info))} · pid ${info.pid} · up ${Math.round(status.uptimeMs / 1000)}s · ${status.sessions} MCP sessions`,
      );
      console.log(dim(`servers: /mcp (all), ${status.servers.map((s) => `/mcp/${s}`).join(', ')} · REST: /api/tools`));
    });

  daemon
    .command('logs')
    .description("the daemon's log")
    .option('-n, --lines <n>', 'how many lines', count, 50)
    .option('-f, --follow', 'keep printing new lines')
    .action(async (opts: { lines: number; follow?: boolean }) => {
      const file = new OptagonHome().daemonLog;
      if (!existsSync(file)) return fail(`no daemon log yet (${file}); start the daemon with: optagon daemon start`);
      const print = (text: string) => {
        for (const line of text.split('\n').filter(Boolean)) console.log(getOutput().json ? line : formatLogLine(line));
      };
      const text = readFileSync(file, 'utf8');
      print(text.split('\n').filter(Boolean).slice(-opts.lines).join('\n'));
      if (!opts.follow) return;
      let offset = statSync(file).size;
      watchFile(file, { interval: 300 }, () => {
        const size = statSync(file).size;
        if (size < offset) offset = 0; // rotated
        if (size > offset) print(readFileSync(file).subarray(offset, size).toString());
        offset = size;
      });
      await new Promise(() => {});
    });
}

const levels: Record<number, (t: string) => string> = { 20: dim, 30: (t) => t, 40: yellow, 50: red, 60: red };

/** pino's JSON line as "time level message {fields}". */
function formatLogLine(line: string): string {
  try {
    const { time, level, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const when = new Date(Number(time)).toLocaleTimeString();
    const extra = Object.keys(rest).length ? dim(' ' + untrusted(JSON.stringify(rest))) : '';
    return `${dim(when)} ${(levels[Number(level)] ?? ((t: string) => t))(untrusted(msg ?? ''))}${extra}`;
  } catch {
    return untrusted(line);
  }
}

function report(info: DaemonInfo, what: string): void {
  if (getOutput().json) return printJson({ running: true, url: daemonUrl(info), ...info });
  console.log(`daemon ${what} at ${bold(daemonUrl(info))} (pid ${info.pid}); connect Claude Code: optagon mcp config`);
}

/** `optagon mcp config`: the lines that connect Claude Code (or any MCP host) to the daemon. */
export async function printMcpConfig(): Promise<void> {
  const home = new OptagonHome();
  const { loadGlobalConfig } = await import('../servers/shared/global-config.js'); // zod and yaml: only when needed
  const config = findDaemon(home) ? undefined : loadGlobalConfig(home.configFile).daemon;
  const info = findDaemon(home) ?? {
    host: config!.host,
    port: config!.port,
    tls: servesTls(config!.host, config!.tls.enabled),
  };
  const url = `${daemonUrl(info)}/mcp`;
  const tokenNote = existsSync(home.tokenFile) ? '' : ' (created when the daemon first starts: optagon daemon start)';
  const claude = `claude mcp add --transport http optagon ${url} --header "Authorization: Bearer $(cat ${home.tokenFile})"`;
  const mcpJson = {
    mcpServers: { optagon: { type: 'http', url, headers: { Authorization: 'Bearer ${OPTAGON_TOKEN}' } } },
  };
  if (getOutput().json) return printJson({ url, tokenFile: home.tokenFile, claudeCommand: claude, mcpJson });
  console.log(dim(`# Claude Code, from a shell (the token is read from ${home.tokenFile}${tokenNote}):`));
  console.log(claude);
  console.log(dim('\n# or a project .mcp.json; Claude Code expands ${OPTAGON_TOKEN} from the environment:'));
  console.log(JSON.stringify(mcpJson, null, 2));
  console.log(dim(`# export OPTAGON_TOKEN=$(cat ${home.tokenFile})`));
  console.log(dim(`\n# one server alone: ${url}/frames · hosts that spawn servers: optagon mcp all (stdio)`));
}
