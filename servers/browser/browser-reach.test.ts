import { describe, expect, it } from 'vitest';
import { hostReach, navigationRefusal, originEndpoint } from './browser-reach.js';

const DAEMON = 8443;
const FRAME = 33001;
const reach = (allowedOrigins: string[] = [], bindAddress = '127.0.0.1') =>
  hostReach({ framePorts: () => [FRAME], bindAddress, allowedOrigins });

describe("the host browser's reach", () => {
  it('the daemon and every other service on loopback are out of reach, by any name for loopback', () => {
    const r = reach();
    for (const [host, port] of [
      ['127.0.0.1', DAEMON],
      ['localhost', DAEMON],
      ['::1', DAEMON],
      ['0.0.0.0', FRAME], // connecting to 0.0.0.0 reaches loopback on Linux
      ['127.0.0.2', FRAME],
      ['127.0.0.1', 22],
      ['169.254.169.254', 80], // a cloud's metadata service
      ['example.com', 443],
    ] as const) {
      expect(r.target(host, port), `${host}:${port}`).toBeUndefined();
    }
    expect(navigationRefusal(`http://127.0.0.1:${DAEMON}/api/status`, r)).toBe(
      `the host's browser does not open http://127.0.0.1:${DAEMON}: it opens the running frames' ports (http://127.0.0.1:${FRAME}) only. ` +
        'To allow another origin, add it to browser.allowed_origins in config.yaml',
    );
    expect(navigationRefusal('http://[::1]:8443/', r)).toMatch(
      /^the host's browser does not open http:\/\/\[::1\]:8443/,
    );
    // WHATWG URLs normalise 127.1 and 2130706433 to 127.0.0.1 before anything is checked.
    expect(navigationRefusal('http://2130706433:8443/', r)).toMatch(/does not open http:\/\/127\.0\.0\.1:8443/);
  });

  it("a running frame's port is reachable by its loopback names, and is dialled on its published address", () => {
    const r = reach();
    for (const host of ['127.0.0.1', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      expect(r.target(host, FRAME), host).toBe('127.0.0.1');
    expect(navigationRefusal(`http://localhost:${FRAME}/`, r)).toBe('');
    expect(navigationRefusal(`http://127.1:${FRAME}/x?y`, r)).toBe('');
    // Published on another address, the frame is reached there, and loopback names are not the frame.
    const lan = reach([], '192.168.1.5');
    expect(lan.target('192.168.1.5', FRAME)).toBe('192.168.1.5');
    expect(lan.target('127.0.0.1', FRAME)).toBeUndefined();
    expect(reach([], '0.0.0.0').target('localhost', FRAME)).toBe('127.0.0.1');
  });

  it('browser.allowed_origins adds exactly its origins (host and port), or everything with *', () => {
    const r = reach(['http://127.0.0.1:5173', 'https://example.com']);
    expect(r.target('127.0.0.1', 5173)).toBe('127.0.0.1');
    expect(r.target('example.com', 443)).toBe('example.com');
    expect(r.target('example.com', 80)).toBeUndefined();
    expect(r.target('localhost', 5173)).toBeUndefined();
    expect(r.describe()).toBe(
      "the running frames' ports (http://127.0.0.1:33001) and browser.allowed_origins (http://127.0.0.1:5173, https://example.com)",
    );
    expect(reach(['*']).target('127.0.0.1', DAEMON)).toBe('127.0.0.1');
    expect(() => originEndpoint('file:///etc')).toThrow(/is not an origin like/);
    expect(() => originEndpoint('http://example.com/path')).toThrow(/scheme, host and port only/);
    expect(() => originEndpoint('example.com')).toThrow(/is not an origin like/);
  });
});
