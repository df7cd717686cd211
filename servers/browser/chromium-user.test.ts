import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumLaunch, resolveUser } from './chromium-user.js';

const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nada:x:1000:1001::/home/ada:/bin/sh\n';

describe('whom Chromium runs as', () => {
  it('names and numbers resolve through /etc/passwd; an unknown name is an error naming the setting', () => {
    expect(resolveUser('nobody', () => PASSWD)).toEqual({ uid: 65534, gid: 65534 });
    expect(resolveUser('ada', () => PASSWD)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('1234:99', () => PASSWD)).toEqual({ uid: 1234, gid: 99 });
    expect(() => resolveUser('ghost', () => PASSWD)).toThrow("browser.run_as: there is no user 'ghost' in /etc/passwd");
  });

  it('a root process never starts Chromium as root: run_as root is refused, and the wrapper drops to the user', () => {
    expect(() => chromiumLaunch('/usr/bin/chromium', 'root', 0)).toThrow(
      "browser.run_as is 'root', which is root; Chromium must not run as root",
    );
    expect(() => chromiumLaunch('/usr/bin/chromium', '0', 0)).toThrow(/Chromium must not run as root/);
    if (process.getuid?.() !== 0) return; // chown of the profile needs root
    const run = chromiumLaunch("/opt/it's chromium", 'nobody', 0);
    try {
      expect(statSync(run.userDataDir).uid).toBe(65534);
      expect(readFileSync(run.executablePath, 'utf8')).toMatch(
        /^exec \/(usr\/)?bin\/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- '\/opt\/it'\\''s chromium' "\$@"$/m,
      );
      expect(statSync(run.executablePath).mode & 0o777).toBe(0o700);
      expect(Object.keys(run.env).sort()).toEqual(expect.arrayContaining(['HOME', 'PATH']));
      expect(Object.keys(run.env).filter((k) => /KEY|TOKEN|SECRET/.test(k))).toEqual([]);
    } finally {
      run.cleanup();
    }
    expect(existsSync(run.userDataDir)).toBe(false);
  });
});
