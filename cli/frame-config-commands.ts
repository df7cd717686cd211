import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { appliesNote } from './frame-view.js';
import { printJson, untrustedText } from './render.js';
import type { OptagonTools } from './mcp-client.js';
import { run, type Output } from './run.js';

/** The YAML parser with line numbers and the schema: zod, yaml and CEL load only for these commands. */
const yamlConfig = () => import('../servers/frames/frame-config-yaml.js');

/**
 * `optagon frame config <frame>`: the configuration as YAML (or JSON); `--edit` opens it in
 * $VISUAL/$EDITOR and applies it when saved, `--file` applies a YAML file. Both are checked here
 * first, so a mistake is shown with its line, and nothing is applied until all of it is valid.
 */
export function registerFrameConfigCommands(frame: Command): void {
  const config = frame
    .command('config')
    .description("show a frame's configuration as YAML, edit it (--edit) or apply a file (--file); get/set for JSON")
    .argument('[frame]', 'frame name or id')
    .option('--edit', 'open it in $VISUAL / $EDITOR; saved, it replaces the configuration')
    .option('--file <config.yaml>', 'replace the configuration with this file')
    .action((ref: string | undefined, opts: { edit?: boolean; file?: string }) =>
      run(async (tools, out) => {
        if (!ref) throw new Error('name the frame: optagon frame config <frame> [--edit | --file config.yaml]');
        if (opts.edit) return edit(tools, ref, out);
        if (opts.file) return apply(tools, ref, readFileSync(opts.file, 'utf8'), opts.file, out);
        const current = await get(tools, ref);
        if (out.json) return printJson(current);
        const { stringify } = await import('yaml');
        process.stdout.write(untrustedText(stringify(current))); // YAML escapes C0 controls, not C1
      }),
    );
  config
    .command('get <frame>')
    .description('the configuration as JSON')
    .action((ref: string) => run(async (tools) => printJson(await get(tools, ref))));
  config
    .command('set <frame> <json>')
    .description('deep-merge a JSON object into the config, e.g. \'{"manager":{"model":"claude-sonnet-4-5"}}\'')
    .action((ref: string, json: string) =>
      run(async (tools, out) => {
        let values: unknown;
        try {
          values = JSON.parse(json);
        } catch (err) {
          throw new Error(
            `the settings are not valid JSON (${(err as Error).message}); quote them, e.g. '{"description":"api"}'`,
          );
        }
        const r = await tools.call('frame_config_set', { frame: ref, values });
        if (out.json) return printJson(r);
        printJson(r.config);
        if (r.applies) process.stderr.write(appliesNote(r.frame, r.applies));
      }),
    );
}

const get = async (tools: OptagonTools, ref: string) => (await tools.call('frame_config_get', { frame: ref })).config;

async function apply(tools: OptagonTools, ref: string, text: string, file: string, out: Output): Promise<void> {
  const values = (await yamlConfig()).parseFrameConfigYaml(text, file);
  const { frame, config, applies } = await tools.call('frame_config_set', { frame: ref, values, replace: true });
  if (out.json) return printJson(config);
  process.stderr.write(`saved the configuration of ${ref}\n`);
  if (applies) process.stderr.write(appliesNote(frame, applies));
}

async function edit(tools: OptagonTools, ref: string, out: Output): Promise<void> {
  const { stringify } = await import('yaml');
  const file = join(mkdtempSync(join(tmpdir(), 'optagon-config-')), `${ref}.yaml`);
  const header =
    `# Frame ${ref}. Save and quit to apply; leave it unchanged to cancel.\n` +
    '# What the project needs (README: Fitting a frame to its project), for example:\n' +
    '#   setup: [npm ci]                      start: [{name: web, command: npm run dev}]\n' +
    '#   ports: [5173]                        env: {NODE_ENV: development}\n' +
    '#   resources: {cpus: 2, memory: 4g, pids: 2048}\n' +
    '#   mounts: [{source: /home/me/data, target: /data, read_only: true}]\n' +
    '#   git: {name: Ada, email: ada@example.com}   ssh_agent: false   image: localhost/my-frame:latest\n' +
    '#   network: full | none | {allowlist: [github.com, "*.npmjs.org"]}   hosts: {db.test: 10.88.0.5}\n';
  const original = header + stringify(await get(tools, ref));
  writeFileSync(file, original);
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  for (;;) {
    // Through a shell: $EDITOR is often a command with arguments ("code --wait").
    const r = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit' });
    if (r.status !== 0)
      throw new Error(
        `the editor (${editor}) exited with ${r.status ?? r.signal}; nothing was changed (your edit is in ${file})`,
      );
    const text = readFileSync(file, 'utf8');
    if (text === original) {
      process.stderr.write('unchanged; nothing to save\n');
      return;
    }
    try {
      return await apply(tools, ref, text, file, out);
    } catch (err) {
      process.stderr.write(`${untrustedText((err as Error).message)}\n`);
      if (!process.stdin.isTTY)
        throw new Error(`not saved; fix ${file} and apply it with: optagon frame config ${ref} --file ${file}`);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const again = (await rl.question('Edit again? [Y/n] ')).trim().toLowerCase();
      rl.close();
      if (again === 'n' || again === 'no') throw new Error(`not saved; your edit is kept in ${file}`);
    }
  }
}
