import { describe, expect, it } from 'vitest';
import { ContainerRuntime, podmanError } from './container-runtime.js';

describe('ContainerRuntime errors', () => {
  it('says how to install podman when the binary is missing', async () => {
    const runtime = new ContainerRuntime({ binary: '/nonexistent/podman' });
    await expect(runtime.imageExists('x')).rejects.toThrow(
      "podman is not installed (could not run '/nonexistent/podman'); install it with: sudo apt-get install podman runc",
    );
    await expect(runtime.list()).rejects.toThrow(/sudo apt-get install podman runc/);
  });

  it("keeps podman's own message and adds the fix for known failures", () => {
    const rlimit = podmanError('podman', ['start', 'x'], {
      exitCode: 126,
      stderr: 'Error: runc create failed: error setting rlimit type 6: operation not permitted',
    });
    expect(rlimit.message).toBe(
      'podman start failed: Error: runc create failed: error setting rlimit type 6: operation not permitted; ' +
        'the ulimits do not fit this host: run `optagon doctor` to probe working values',
    );
    const port = podmanError('podman', ['start', 'x'], {
      exitCode: 125,
      stderr: 'Error: rootlessport listen tcp 127.0.0.1:33000: bind: address already in use',
    });
    expect(port.message).toMatch(/address already in use; another program holds the frame's port/);
    expect(podmanError('podman', ['rm', 'x'], { exitCode: 2, stderr: '' }).message).toBe(
      'podman rm failed: exit code 2',
    );
  });

  it('builds the runtime flags from the probed settings only', () => {
    expect(new ContainerRuntime({ binary: 'podman' }).runtimeFlags()).toEqual([]);
    expect(
      new ContainerRuntime({ binary: 'podman', runtime: 'runc', ulimits: { nofile: 1024, nproc: 512 } }).runtimeFlags(),
    ).toEqual(['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=512:512']);
  });
});
