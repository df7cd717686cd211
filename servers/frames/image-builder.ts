import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalConfig } from '../shared/global-config.js';
import { packageRoot } from '../shared/package-root.js';
import { withUmask } from '../shared/private-files.js';
import { runCommand } from '../shared/run-command.js';
import { podmanError, type ContainerRuntime } from './container-runtime.js';
import type { RuntimeSettingsResolver } from './runtime-settings.js';

export const IMAGE_HASH_LABEL = 'io.optagon.image.hash';
/** Where `optagon image build` keeps the Debian base it makes itself when no registry answers. */
export const LOCAL_BASE = 'localhost/optagon-base:bookworm';
const REGISTRY_BASE = 'docker.io/library/debian:bookworm-slim';

export type Progress = (message: string, step?: number, total?: number) => void | Promise<void>;

export interface ImageStatus {
  image: string;
  exists: boolean;
  hash: string | null;
  expectedHash: string | null;
  upToDate: boolean;
  base: string | null;
}

export interface BuildResult {
  image: string;
  hash: string;
  base: string;
  skipped: boolean;
  durationMs: number;
}

/** Builds the frame image from Dockerfile.frame, labelled with a hash of its inputs so an unchanged image is kept. */
export class ImageBuilder {
  constructor(
    private readonly config: GlobalConfig,
    private readonly runtime: ContainerRuntime,
    private readonly settings: RuntimeSettingsResolver,
  ) {}

  private get image(): string {
    return this.config.frames.image;
  }

  async status(): Promise<ImageStatus> {
    const base = await this.existingBase();
    const expectedHash = base ? await this.inputHash(base) : null;
    const hash = (await this.runtime.imageLabel(this.image, IMAGE_HASH_LABEL)) ?? null;
    const exists = hash !== null || (await this.runtime.imageExists(this.image));
    return {
      image: this.image,
      exists,
      hash,
      expectedHash,
      upToDate: exists && hash !== null && hash === expectedHash,
      base,
    };
  }

  async build(opts: { force?: boolean; progress?: Progress } = {}): Promise<BuildResult> {
    const started = Date.now();
    const progress: Progress = opts.progress ?? (() => {});
    const base = await this.ensureBase(progress);
    const hash = await this.inputHash(base);
    if (!opts.force && (await this.runtime.imageLabel(this.image, IMAGE_HASH_LABEL)) === hash) {
      return { image: this.image, hash, base, skipped: true, durationMs: Date.now() - started };
    }
    await progress('probing podman runtime and ulimits');
    await this.settings.ensure(base);

    const dockerfile = join(packageRoot(), 'Dockerfile.frame');
    const args = [
      'build',
      '--file',
      dockerfile,
      '--target',
      'frame',
      '--tag',
      this.image,
      '--label',
      `${IMAGE_HASH_LABEL}=${hash}`,
      '--build-arg',
      `BASE_IMAGE=${base}`,
      '--build-arg',
      `CLAUDE_CODE_VERSION=${this.config.image.claude_code_version}`,
      '--build-arg',
      `OPENCODE_VERSION=${this.config.image.opencode_version}`,
      ...this.runtime.runtimeFlags(),
      ...this.hostCaVolume(),
      join(packageRoot(), 'frame-image'),
    ];
    const total = countSteps(readFileSync(dockerfile, 'utf8'));
    let step = 0;
    const { execa } = await import('execa'); // loaded only for builds: it is slow to import (see run-command.ts)
    const child = execa(this.config.podman.binary, args, { all: true, reject: false, buffer: { all: true } });
    let quietSince = Date.now();
    for await (const line of child.iterable({ from: 'all' })) {
      const text = String(line);
      if (/^(\[\d+\/\d+\] )?STEP \d+\/\d+: /.test(text)) await progress(text.slice(0, 200), ++step, total);
      // A RUN step can work for a minute (Chromium, Claude Code); show a line now and then so it never looks stuck.
      else if (Date.now() - quietSince < 5000 || !text.trim()) continue;
      else await progress(`  ${text.slice(0, 160)}`, step, total);
      quietSince = Date.now();
    }
    const result = await child;
    if (result.exitCode !== 0) {
      const tail = String(result.all ?? '')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new Error(
        `podman build of ${this.image} failed (exit ${result.exitCode}):\n${tail}\nFix the cause above and run \`optagon image build\` again; finished layers are cached.`,
      );
    }
    await progress(`built ${this.image} (inputs ${hash})`, total, total);
    return { image: this.image, hash, base, skipped: false, durationMs: Date.now() - started };
  }

  private hostCaVolume(): string[] {
    const { trust_host_ca, host_ca_bundle } = this.config.image;
    return trust_host_ca && existsSync(host_ca_bundle)
      ? ['--volume', `${host_ca_bundle}:/run/optagon-build/host-ca.crt:ro`]
      : [];
  }

  /** The configured base, or under `auto` the first of: our debootstrapped base, a local Debian image. */
  private async existingBase(): Promise<string | null> {
    const wanted = this.config.image.base;
    for (const candidate of wanted === 'auto' ? [LOCAL_BASE, REGISTRY_BASE] : [wanted]) {
      if (await this.runtime.imageExists(candidate)) return candidate;
    }
    return null;
  }

  private async ensureBase(progress: Progress): Promise<string> {
    const existing = await this.existingBase();
    if (existing) return existing;
    const wanted = this.config.image.base === 'auto' ? REGISTRY_BASE : this.config.image.base;
    await progress(`pulling ${wanted}`);
    const pull = await runCommand(this.config.podman.binary, ['pull', wanted], { timeoutMs: 300_000 });
    if (pull.exitCode === 0) return wanted;
    if (this.config.image.base !== 'auto') {
      throw podmanError(this.config.podman.binary, ['pull', wanted], pull);
    }
    await progress(
      `no registry answered (${String(pull.stderr).split('\n').pop()}); building ${LOCAL_BASE} from Debian's package mirror`,
    );
    await this.debootstrapBase(progress);
    return LOCAL_BASE;
  }

  /**
   * Debian bookworm from the package mirror, imported as an image: works with no registry at all.
   * Root uses debootstrap; anyone else mmdebstrap in a user namespace of their own (--mode=unshare),
   * so a rootless user builds into their own image store, never root's.
   */
  private async debootstrapBase(progress: Progress): Promise<void> {
    const rootless = process.getuid?.() !== 0;
    const tool = rootless ? 'mmdebstrap' : 'debootstrap';
    const { execa } = await import('execa');
    const dir = mkdtempSync(join(tmpdir(), 'optagon-rootfs-'));
    const tarball = join(dir, 'rootfs.tar');
    const args = rootless
      ? ['--mode=unshare', '--variant=minbase', 'bookworm', tarball, this.config.image.debian_mirror]
      : ['--variant=minbase', 'bookworm', join(dir, 'root'), this.config.image.debian_mirror];
    try {
      // The CLI's umask (077) would make the image's files unreadable to anyone but root.
      const child = withUmask(0o022, () => execa(tool, args, { all: true, reject: false }));
      let n = 0;
      for await (const line of child.iterable({ from: 'all' })) {
        if (++n % 25 === 0 || /^I: (Retrieving Release|Base system installed|creating tarball)/.test(String(line)))
          await progress(`${tool}: ${line}`);
      }
      const result = await child;
      if (result.exitCode !== 0) {
        if ((result as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(result.message))) {
          throw new Error(`${tool} is not installed; install it with: sudo apt-get install ${tool}`);
        }
        const hint =
          rootless && /unshare|newuidmap|subuid/i.test(String(result.all))
            ? ' (it needs subordinate ids: see `optagon doctor`)'
            : '';
        throw new Error(
          `${tool} failed (exit ${result.exitCode})${hint}: ${String(result.all).split('\n').slice(-5).join(' | ')}`,
        );
      }
      await progress(`importing the root filesystem as ${LOCAL_BASE}`);
      // Streamed, not buffered: the root filesystem is ~200 MB, over execa's default maxBuffer.
      if (rootless) await execa(this.config.podman.binary, ['import', tarball, LOCAL_BASE]);
      else
        await execa('tar', ['-C', join(dir, 'root'), '-c', '.'], { buffer: false }).pipe(
          this.config.podman.binary,
          ['import', '-', LOCAL_BASE],
          { buffer: false },
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** sha256 of everything the image is made of: Dockerfile, frame-image/, the base's id and the build args. */
  private async inputHash(base: string): Promise<string> {
    const root = packageRoot();
    const h = createHash('sha256');
    h.update(readFileSync(join(root, 'Dockerfile.frame')));
    const dir = join(root, 'frame-image');
    for (const name of readdirSync(dir).sort()) h.update(`\0${name}\0`).update(readFileSync(join(dir, name)));
    const baseId = (await this.runtime.podman(['image', 'inspect', '--format', '{{.Id}}', base])).trim();
    h.update(
      `\0${baseId}\0${this.config.image.claude_code_version}\0${this.config.image.opencode_version}\0${this.hostCaVolume().length > 0}`,
    );
    return h.digest('hex').slice(0, 16);
  }
}

function countSteps(dockerfile: string): number {
  return dockerfile
    .split('\n')
    .filter((l) => /^(FROM|RUN|COPY|ADD|ENV|ARG|WORKDIR|ENTRYPOINT|CMD|LABEL|USER|EXPOSE)\b/i.test(l)).length;
}
