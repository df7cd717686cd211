import { describe, expect, it } from 'vitest';
import { isSettingUp, portLinks, setupFailure, setupOutcome, type Frame } from './frames';

const ports: Frame['ports'] = [
  { container: 3000, host: 33600, url: 'http://127.0.0.1:33600' },
  { container: 5173, host: 33601, url: 'http://127.0.0.1:33601' },
];

describe('portLinks', () => {
  it('links every port on the host name the page was reached by, not the daemon’s bind address', () => {
    // A phone on the LAN: 127.0.0.1 (frame_list's url) would be the phone itself.
    expect(portLinks({ ports }, { protocol: 'http:', hostname: '192.168.1.20' })).toEqual([
      { container: 3000, host: 33600, href: 'http://192.168.1.20:33600/' },
      { container: 5173, host: 33601, href: 'http://192.168.1.20:33601/' },
    ]);
  });

  it('opens the frames’ plain http even when the page came over https, and keeps an IPv6 host’s brackets', () => {
    expect(portLinks({ ports }, { protocol: 'https:', hostname: 'devbox.lan' })[0]!.href).toBe(
      'http://devbox.lan:33600/',
    );
    expect(portLinks({ ports }, { protocol: 'https:', hostname: '[fd00::2]' })[1]!.href).toBe(
      'http://[fd00::2]:33601/',
    );
  });

  it('has none for a frame without ports', () => {
    expect(portLinks({ ports: [] }, { protocol: 'http:', hostname: 'x' })).toEqual([]);
  });
});

describe('setupFailure', () => {
  const at = '2025-01-01T00:00:00.000Z';
  it('says at which step the setup failed and with which exit code', () => {
    expect(setupFailure({ setup: { state: 'failed', exitCode: 7, step: 2, at } })).toBe(
      'setup failed at step 2 (exit 7)',
    );
    expect(setupFailure({ setup: { state: 'failed', at } })).toBe('setup failed');
    expect(setupOutcome({ state: 'failed', exitCode: 1, at })).toBe('failed (exit 1)');
    expect(setupOutcome({ state: 'succeeded', exitCode: 0, at })).toBe('succeeded');
  });

  it('says nothing of a setup that succeeded, still runs or never ran', () => {
    expect(setupFailure({ setup: { state: 'succeeded', exitCode: 0, at } })).toBeUndefined();
    expect(setupFailure({ setup: { state: 'running', at } })).toBeUndefined();
    expect(setupFailure({})).toBeUndefined();
  });

  it('counts a setup as running only in a running frame (a stopped one keeps its last state)', () => {
    expect(isSettingUp({ status: 'running', setup: { state: 'running', at } })).toBe(true);
    expect(isSettingUp({ status: 'stopped', setup: { state: 'running', at } })).toBe(false);
    expect(isSettingUp({ status: 'running', setup: { state: 'failed', at } })).toBe(false);
  });
});
