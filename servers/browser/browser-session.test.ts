import { describe, expect, it } from 'vitest';
import { BrowserSession } from './browser-session.js';

describe('browser session', () => {
  it('a missing Chromium is an error that says how to install it or where to point', async () => {
    const session = new BrowserSession({ executablePath: '/nowhere/chromium', timeoutMs: 1000 });
    await expect(session.navigate('http://127.0.0.1/')).rejects.toThrow(
      'Chromium is not installed at /nowhere/chromium: install it with `apt-get install chromium` (Debian/Ubuntu), or set browser.executable_path in config.yaml',
    );
    expect(session.console(10)).toEqual([]);
    await session.close();
  });
});
